export default function InvestigationDetail() {
  return (
    <div className="page">
      <h1>InvestigationDetail</h1>
    </div>
  )
}
