// Names for the controls Vant 4 draws without one, so a screen reader (and axe) can tell
// what they do. Vant offers no prop for them: a popup's close × and its overlay are
// role="button" with no name, a popup is role="dialog" with no name, a confirm dialog's
// aria-labelledby holds its title's text instead of an id, an uploader's file input has
// no label and its previews no alt, a picker's <ul> holds buttons, not list items. One observer names them as they appear, in the
// microtask after Vue adds them, before anyone can reach them. A popup of our own may
// name itself (aria-label on <van-popup>); this never overrides a name already given.
const named = (element: Element): boolean =>
  element.hasAttribute('aria-label') ||
  (element.hasAttribute('aria-labelledby') &&
    (element.getAttribute('aria-labelledby') ?? '').split(/\s+/).every((id) => document.getElementById(id)))

function label(element: Element, text: string): void {
  if (!named(element)) element.setAttribute('aria-label', text)
}

function headingOf(dialog: Element): string {
  const heading = dialog.querySelector('h1, h2, h3, .van-dialog__header, .van-picker__title, .van-cascader__title')
  return heading?.textContent?.trim() || '弹窗'
}

function nameVantControls(root: ParentNode): void {
  for (const close of root.querySelectorAll('.van-popup__close-icon, .van-image-preview__close-icon')) label(close, '关闭')
  for (const overlay of root.querySelectorAll('.van-overlay[role="button"]')) label(overlay, '关闭弹窗')
  for (const dialog of root.querySelectorAll('[role="dialog"]')) {
    if (named(dialog)) continue
    dialog.removeAttribute('aria-labelledby') // Vant's holds a title, not an id
    dialog.setAttribute('aria-label', headingOf(dialog))
  }
  // A picker column is a <ul> of role="button" items, which is no list: its buttons stand alone.
  for (const column of root.querySelectorAll('ul.van-picker-column__wrapper')) column.setAttribute('role', 'none')
  for (const input of root.querySelectorAll('.van-uploader__input')) label(input, '拍照或选择照片')
  for (const image of root.querySelectorAll('.van-uploader__preview-image img')) {
    const preview = image.closest('.van-uploader__preview')
    const place = preview?.parentElement ? [...preview.parentElement.children].indexOf(preview) + 1 : 1
    if (!image.hasAttribute('alt')) image.setAttribute('alt', `已选的第${place}张照片`)
  }
  for (const remove of root.querySelectorAll('.van-uploader__preview-delete')) {
    if (!named(remove)) {
      remove.setAttribute('role', 'button')
      remove.setAttribute('aria-label', '删除这张照片')
    }
  }
}

export function nameUnnamedControls(): void {
  nameVantControls(document)
  // Only around what was added: a long list scrolled in costs a few lookups, not a page's.
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node instanceof Element) nameVantControls(node.parentElement ?? node)
      }
    }
  }).observe(document.body, { childList: true, subtree: true })
}
