export default function Overview() {
  return (
    <div className="page">
      <h1>Overview</h1>
    </div>
  )
}
