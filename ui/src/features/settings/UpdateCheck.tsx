import { useState } from 'react'
import { errorMessage } from '../../api/error'

/** "Check for updates", desktop only: asks the Tauri shell's updater command. */
export function UpdateCheck() {
  const [state, setState] = useState<string | null>(null)
  async function check() {
    setState('Checking…')
    try {
      const { invoke } = await import('@tauri-apps/api/core')
      const r = await invoke<{ available: boolean; version?: string } | null>('check_for_updates')
      setState(r?.available ? `Version ${r.version} is available; it installs on the next restart.` : 'You have the latest version.')
    } catch (e) {
      setState(`Could not check for updates: ${errorMessage(e)}. Check your network connection and try again.`)
    }
  }
  return (
    <p>
      <button type="button" onClick={check}>Check for updates</button> <span role="status">{state}</span>
    </p>
  )
}
