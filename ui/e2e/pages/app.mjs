// @ts-check
/** Page objects: what a user sees and does, named the way they would say it. */

export class App {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
  }
  banner() {
    return this.page.getByTestId('connection-banner')
  }
  async goto(hash) {
    await this.page.evaluate((h) => (window.location.hash = h), hash)
  }
  async theme() {
    return this.page.evaluate(() => document.documentElement.dataset.theme)
  }
  async openPalette() {
    await this.page.keyboard.press('Control+k')
    return this.page.getByRole('dialog', { name: 'Command palette' })
  }
  nav(name) {
    return this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true })
  }
}

export class Wizard {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
  }
  heading() {
    return this.page.getByRole('heading', { level: 2 })
  }
  async skip() {
    await this.page.getByTestId('wizard-skip').click()
  }
  async next() {
    await this.page.getByTestId('wizard-next').click()
  }
  async trySandbox() {
    await this.page.getByTestId('try-sandbox').click()
  }
}

export class Settings {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
  }
  async open(section) {
    await this.page.evaluate((s) => (window.location.hash = `/settings/${s}`), section)
  }
  async chooseTheme(name) {
    // A controlled radio: its state follows the stored setting, so click and let it settle.
    await this.page.getByRole('radio', { name }).click()
  }
  healthRow(label) {
    return this.page.getByTestId('health-table').getByRole('row', { name: new RegExp(label) })
  }
}
