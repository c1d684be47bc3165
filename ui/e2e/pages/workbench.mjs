// @ts-check
/** Page objects for the cluster screens. */

export class ResourceList {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
  }
  async open(base, ctx, kind) {
    await this.page.goto(`${base}/#/c/${encodeURIComponent(ctx)}/resources/${kind}`)
    await this.table().waitFor()
  }
  table() {
    return this.page.getByTestId('resource-table')
  }
  async filter(text) {
    await this.page.getByTestId('text-filter').fill(text)
  }
  async sortBy(header) {
    await this.page.getByRole('columnheader', { name: new RegExp(`^${header}`) }).getByRole('button').click()
  }
  async names() {
    return this.table().locator('[role=row][data-name]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))
  }
  async count() {
    return this.page.getByTestId('row-count').textContent()
  }
}

export class Detail {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page
  }
  async open(base, ctx, kind, ns, name) {
    await this.page.goto(`${base}/#/c/${encodeURIComponent(ctx)}/resources/${kind}/${encodeURIComponent(ns ?? '_')}/${encodeURIComponent(name)}`)
    await this.page.getByRole('tablist').waitFor()
  }
  async tab(name) {
    await this.page.getByRole('tab', { name }).click()
  }
  logs() {
    return this.page.getByTestId('logs')
  }
}
