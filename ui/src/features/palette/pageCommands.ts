/**
 * Commands the page on screen offers the palette: an object page registers its actions
 * ("Restart Deployment checkout"), so Ctrl/Cmd+K reaches every action without the mouse.
 * The page owns what each command does; the palette only lists and runs them.
 */
import { createContext, useContext, useEffect } from 'react'

/** One entry of the palette: what it says and what choosing it does. */
export interface Command {
  id: string
  label: string
  hint?: string
  run: () => void
}

export type Registry = { commands: Command[]; set: (c: Command[]) => void }

export const PageCommands = createContext<Registry>({ commands: [], set: () => {} })

/** The current page's commands (empty on pages that offer none). */
export function usePageCommandList(): Command[] {
  return useContext(PageCommands).commands
}

/** Offers `commands` while the calling component is mounted; pass a memoised list. */
export function usePageCommands(commands: Command[]) {
  const { set } = useContext(PageCommands)
  useEffect(() => {
    set(commands)
    return () => set([])
  }, [commands, set])
}
