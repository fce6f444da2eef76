/**
 * PURE: menus in WeChat's wire form (WECHAT.md §10) — fanhook's buttons as `menu/create`
 * takes them, what `menu/get` answers read back into the same form, and the comparison
 * `/menu publish` decides by, so a menu that did not change is not pushed again.
 */
import type { MenuButton } from './menu-file.js';

/** A button as `menu/create` takes it. */
export interface WechatButton {
  name: string;
  type?: string;
  key?: string;
  url?: string;
  sub_button?: WechatButton[];
}

/** fanhook's buttons → the `button` array of menu/create and menu/addconditional. */
export function toWechatButtons(buttons: readonly MenuButton[]): WechatButton[] {
  return buttons.map((button) => {
    switch (button.kind) {
      case 'click':
        return { type: 'click', name: button.name, key: button.key };
      case 'view':
        return { type: 'view', name: button.name, url: button.url };
      case 'sub':
        return { name: button.name, sub_button: toWechatButtons(button.buttons) };
    }
  });
}

/** A live menu read back from menu/get: only the fields fanhook publishes (menu/get adds `sub_button: []` to leaves). */
export function normalizeButtons(raw: unknown): WechatButton[] {
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.map((entry) => {
    const b = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const subs = Array.isArray(b.sub_button) ? b.sub_button : [];
    if (subs.length > 0) {
      return { name: String(b.name ?? ''), sub_button: normalizeButtons(subs) };
    }
    const button: WechatButton = { name: String(b.name ?? ''), type: String(b.type ?? '') };
    if (typeof b.key === 'string') {
      button.key = b.key;
    }
    if (typeof b.url === 'string') {
      button.url = b.url;
    }
    return button;
  });
}

/** True when two menus show the same buttons. */
export function sameButtons(a: readonly WechatButton[], b: readonly WechatButton[]): boolean {
  return JSON.stringify(normalizeButtons(a)) === JSON.stringify(normalizeButtons(b));
}

/** One line for a chat: `新品 | 服务（尺码建议、门店地址） | 会员`. */
export function describeButtons(buttons: readonly WechatButton[]): string {
  return buttons.map((b) => (b.sub_button?.length ? `${b.name}（${b.sub_button.map((s) => s.name).join('、')}）` : b.name)).join(' | ');
}

/** What menu/get answers, read: the default menu and the conditional menus by WeChat tag id. */
export interface LiveMenus {
  default: WechatButton[] | null;
  conditional: { menuId: string; tagId: string; buttons: WechatButton[] }[];
}

export function readLiveMenus(answer: Record<string, unknown> | null): LiveMenus {
  if (!answer) {
    return { default: null, conditional: [] };
  }
  const menu = answer['menu'] as { button?: unknown } | undefined;
  const conditional = Array.isArray(answer['conditionalmenu']) ? (answer['conditionalmenu'] as Record<string, unknown>[]) : [];
  return {
    default: menu ? normalizeButtons(menu.button) : null,
    conditional: conditional.map((c) => ({
      menuId: String(c['menuid'] ?? ''),
      tagId: String((c['matchrule'] as { tag_id?: unknown } | undefined)?.tag_id ?? ''),
      buttons: normalizeButtons(c['button']),
    })),
  };
}
