export default function InsightsPage() {
  return (
    <div className="page">
      <h1>InsightsPage</h1>
    </div>
  )
}
