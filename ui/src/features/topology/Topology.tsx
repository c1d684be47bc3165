export default function Topology() {
  return (
    <div className="page">
      <h1>Topology</h1>
    </div>
  )
}
