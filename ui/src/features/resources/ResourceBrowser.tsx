export default function ResourceBrowser() {
  return (
    <div className="page">
      <h1>ResourceBrowser</h1>
    </div>
  )
}
