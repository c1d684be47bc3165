export default function InvestigationsPage() {
  return (
    <div className="page">
      <h1>InvestigationsPage</h1>
    </div>
  )
}
