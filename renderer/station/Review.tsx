import { PatientBanner, usePatientChart } from './Patient';

/*
 * PLACEHOLDER ROUTE — SOAP review. The draft beside the raw note, evidence highlighting,
 * unsupported statements, edit and one-click approval, and the note's audit trail depend on the
 * clinical-notes integration (issue 3), whose station API calls do not exist yet. Nothing here
 * invents that API.
 */
export function Review({ patientId }: { patientId: string }) {
  const { chart } = usePatientChart(patientId);
  return (
    <div className="patient">
      {chart && <PatientBanner patient={chart.patient} />}
      <section aria-labelledby="review-title" className="placeholder" data-testid="review-placeholder">
        <h1 id="review-title">SOAP review</h1>
        <p>Not available yet: the SOAP draft arrives with the clinical-notes integration.</p>
      </section>
    </div>
  );
}
