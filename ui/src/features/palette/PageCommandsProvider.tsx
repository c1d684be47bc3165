import { useMemo, useState, type ReactNode } from 'react'
import { PageCommands, type Command } from './pageCommands'

/** Holds the commands of the page on screen for the palette (see pageCommands.ts). */
export function PageCommandsProvider({ children }: { children: ReactNode }) {
  const [commands, set] = useState<Command[]>([])
  const value = useMemo(() => ({ commands, set }), [commands])
  return <PageCommands.Provider value={value}>{children}</PageCommands.Provider>
}
