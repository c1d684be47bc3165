import { useEffect } from 'react'
import { SETTING, usePutSetting, useSetting } from './useSetting'

export type Theme = 'light' | 'dark'

export function systemTheme(): Theme {
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

/** The theme stored in the sidecar's settings, applied to <html data-theme>. */
export function useTheme(): [Theme, (t: Theme) => void] {
  const stored = useSetting<Theme>(SETTING.theme)
  const put = usePutSetting<Theme>(SETTING.theme)
  const theme: Theme = stored.data === 'dark' || stored.data === 'light' ? stored.data : systemTheme()
  useEffect(() => {
    document.documentElement.dataset.theme = theme
  }, [theme])
  return [theme, (t) => put.mutate(t)]
}
