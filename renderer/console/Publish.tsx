import { useState, type FormEvent } from 'react';
import { releaseSignatureMessage, type Platform } from '../../contract/releases';
import { consoleApi } from './api';
import { refusal, useConsole } from './store';

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/**
 * Signs in this browser, as the admin CLI signs on the release manager's machine: the Ed25519
 * private key (PEM, PKCS#8) is read from a local file into WebCrypto and never sent anywhere.
 */
async function signLocally(pem: string, text: string): Promise<string> {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/=]+$/.test(body) || !pem.includes('BEGIN PRIVATE KEY')) throw new Error('The signing key is not a PEM private key (PKCS#8).');
  if (!globalThis.crypto?.subtle) throw new Error('This browser offers no WebCrypto here (open the console over HTTPS or on loopback), or paste the signature instead.');
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']).catch(() => {
    throw new Error('The signing key is not an Ed25519 private key.');
  });
  return base64(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, new TextEncoder().encode(text))));
}

/**
 * Publishes a release the way `npm run admin -- release publish` does: the file goes into the
 * server's artifact store, the server computes its SHA-512, the release manager's signature
 * covers version, name and that hash, and the server publishes only if the signature verifies
 * with the release public key. Nothing is fetched from an address anyone typed.
 */
export function Publish() {
  const token = useConsole((s) => s.session?.token);
  const [channel, setChannel] = useState('stable');
  const [version, setVersion] = useState('');
  const [platform, setPlatform] = useState<Platform>('linux');
  const [notes, setNotes] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [keyFile, setKeyFile] = useState<File | null>(null);
  const [signature, setSignature] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!token) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return setError('Choose the artifact file.');
    if (!keyFile && !signature.trim()) return setError('Choose the signing key file, or paste the signature.');
    setBusy(true);
    setError(null);
    try {
      setStatus(`Uploading ${file.name}…`);
      const stored = await consoleApi.uploadArtifact(token, file.name, new Uint8Array(await file.arrayBuffer()));
      setStatus(`Stored ${stored.name} (${stored.size} bytes, SHA-512 ${stored.sha512.slice(0, 16)}…); signing…`);
      const text = releaseSignatureMessage(version, stored.name, stored.sha512);
      const sig = keyFile ? await signLocally(await keyFile.text(), text) : signature.trim();
      await consoleApi.publishRelease(token, { channel, version, notes, files: [{ platform, name: stored.name, signature: sig }] });
      setStatus(`Release ${version} published on ${channel} with ${stored.name} (SHA-512 ${stored.sha512}). Roll it out from the Releases tab.`);
    } catch (err) {
      setStatus(null);
      setError(err instanceof Error && !('status' in err) ? err.message : refusal(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="publish-title">
      <h2 id="publish-title">Publish a release</h2>
      <p className="muted">
        The file is stored by this server, which computes its SHA-512. Sign with the release key in this browser (the key file is read here and never sent) or paste a signature made
        elsewhere over <code>wardstation-release-v1</code>, version, file name and SHA-512.
      </p>
      <form className="threshold" aria-label="Publish a release" onSubmit={(e) => void submit(e)}>
        <label>
          Channel
          <input name="channel" required pattern="[a-z0-9][a-z0-9-]*" value={channel} onChange={(e) => setChannel(e.target.value)} />
        </label>
        <label>
          Version
          <input name="version" required placeholder="1.2.0" value={version} onChange={(e) => setVersion(e.target.value)} />
        </label>
        <label>
          Platform
          <select name="platform" value={platform} onChange={(e) => setPlatform(e.target.value as Platform)}>
            <option value="linux">Linux</option>
            <option value="win">Windows</option>
            <option value="mac">macOS</option>
          </select>
        </label>
        <label>
          Artifact file
          <input name="artifact" type="file" required onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          Signing key (Ed25519 PEM; stays in this browser)
          <input name="signing-key" type="file" accept=".pem,.key" onChange={(e) => setKeyFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          …or the signature (base64)
          <input name="signature" value={signature} onChange={(e) => setSignature(e.target.value)} />
        </label>
        <label>
          Release notes
          <input name="notes" value={notes} onChange={(e) => setNotes(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Upload and publish
        </button>
      </form>
      {status && (
        <p role="status" data-testid="publish-status">
          {status}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
