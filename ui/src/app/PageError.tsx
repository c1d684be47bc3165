import { isRouteErrorResponse, useRouteError } from 'react-router'
import { errorMessage } from '../api/error'

/** Whether the error is a page's code that could not be fetched (the backend serves it). */
function isChunkLoadError(e: unknown): boolean {
  const text = e instanceof Error ? e.message : String(e)
  return /dynamically imported module|Importing a module script failed|error loading dynamically imported module/i.test(text)
}

/**
 * What a page shows when it fails to render, in place of the page and inside the app's frame,
 * so the navigation and the connection banner stay. The common case is a page whose code was not
 * loaded yet when the backend (which serves it) went away.
 */
export function PageError() {
  const error = useRouteError()
  const chunk = isChunkLoadError(error)
  const detail = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : errorMessage(error)
  return (
    <div className="page" role="alert" data-testid="page-error">
      <h1>{chunk ? 'This page could not be loaded' : 'This page failed'}</h1>
      <p>
        {chunk
          ? 'Its code comes from the Kubilitics backend, which did not answer. Once the banner above is gone, try again.'
          : 'Something went wrong while showing this page. Trying again usually helps; if it does not, the logs say more (~/.kubilitics/ui.log and kubilitics.log).'}
      </p>
      <p className="muted">{detail}</p>
      <button type="button" onClick={() => window.location.reload()}>
        Try again
      </button>
    </div>
  )
}
