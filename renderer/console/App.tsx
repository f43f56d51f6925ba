import { Fleet } from './Fleet';
import { SignIn } from './SignIn';
import { useConsole } from './store';

export function App() {
  const signedIn = useConsole((s) => s.session !== null);
  return signedIn ? <Fleet /> : <SignIn />;
}
