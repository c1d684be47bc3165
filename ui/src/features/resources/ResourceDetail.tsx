export default function ResourceDetail() {
  return (
    <div className="page">
      <h1>ResourceDetail</h1>
    </div>
  )
}
