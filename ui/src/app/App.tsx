import { QueryClientProvider } from '@tanstack/react-query'
import { lazy, Suspense, useState } from 'react'
import { createHashRouter, Navigate, RouterProvider } from 'react-router'
import { makeQueryClient } from './queryClient'
import { Shell } from './Shell'
import { Home } from './Home'
import { PageError } from './PageError'

const SettingsPage = lazy(() => import('../features/settings/SettingsPage'))
const Wizard = lazy(() => import('../features/wizard/Wizard'))
const Overview = lazy(() => import('../features/overview/Overview'))
const ResourceBrowser = lazy(() => import('../features/resources/ResourceBrowser'))
const ResourceDetail = lazy(() => import('../features/resources/ResourceDetail'))
const Topology = lazy(() => import('../features/topology/Topology'))
const Investigations = lazy(() => import('../features/investigations/InvestigationsPage'))
const InvestigationDetail = lazy(() => import('../features/investigations/InvestigationDetail'))
const Insights = lazy(() => import('../features/insights/InsightsPage'))
const AuditLog = lazy(() => import('../features/audit/AuditLog'))
const Approvals = lazy(() => import('../features/approvals/ApprovalsPage'))

const page = (el: React.ReactNode) => <Suspense fallback={<p className="page">Loading…</p>}>{el}</Suspense>

// Hash routes: deep links work the same in the Tauri webview, from the sidecar, and from the
// dev server, without any server-side fallback.
// A page that fails (most often: its code could not be fetched because the backend went away)
// shows PageError inside the frame, so the navigation and the connection banner stay.
const router = createHashRouter([
  { path: '/welcome/:step?', element: page(<Wizard />), errorElement: <PageError /> },
  {
    element: <Shell />,
    errorElement: <PageError />,
    children: [
      {
        errorElement: <PageError />,
        children: [
      { index: true, element: <Home /> },
      { path: 'settings/:section?', element: page(<SettingsPage />) },
      { path: 'c/:context/overview', element: page(<Overview />) },
      { path: 'c/:context/topology', element: page(<Topology />) },
      { path: 'c/:context/resources/:kind', element: page(<ResourceBrowser />) },
      { path: 'c/:context/resources/:kind/:namespace/:name', element: page(<ResourceDetail />) },
      { path: 'investigations', element: page(<Investigations />) },
      { path: 'investigations/:id', element: page(<InvestigationDetail />) },
      { path: 'insights', element: page(<Insights />) },
      { path: 'audit', element: page(<AuditLog />) },
      { path: 'approvals', element: page(<Approvals />) },
      { path: '*', element: <Navigate to="/" replace /> },
        ],
      },
    ],
  },
])

export function App() {
  const [client] = useState(makeQueryClient)
  return (
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  )
}
