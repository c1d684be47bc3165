import { useParams } from 'react-router'
import { SETTING, useSetting } from '../features/settings/useSetting'

export function useCurrentContext(): string | undefined {
  const params = useParams()
  const last = useSetting<string>(SETTING.lastContext)
  return params.context ?? last.data ?? undefined
}

