/**
 * Command: `/menu` and `/menu publish` — reads what is live on WeChat (menu/get) and pushes
 * the difference from menus.yaml: menu/create when the default menu changed, and per tag
 * menu/addconditional (after delconditional of the tag's old menu when it changed), and
 * delconditional for tag menus the file no longer has. Everything that can be refused
 * locally — the file's limits, tags not mirrored to WeChat — is checked before the first
 * call, so a bad file changes nothing on WeChat.
 */
import type { Connection } from 'mongoose';
import { WechatApiError } from '../errors.js';
import { ensureWechatTags } from '../tagging/ensure-wechat-tags.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import type { MenuSet } from './menu-file.js';
import { readLiveMenus, sameButtons, toWechatButtons, type LiveMenus, type WechatButton } from './wechat-menu.js';

export interface MenuDeps {
  connection: Connection;
  api: WechatApiClient;
  /** Tags rules.yaml mirrors to WeChat (`sync: true`): only they can carry a conditional menu. */
  syncedTags: () => ReadonlySet<string>;
}

/** The live menus; a menu made only in the MP web console shows as `console` (menu/get knows none). */
export async function readLive(deps: MenuDeps): Promise<LiveMenus & { console?: WechatButton[] }> {
  try {
    return readLiveMenus(await deps.api.get('/cgi-bin/menu/get'));
  } catch (error) {
    if (!(error instanceof WechatApiError) || error.errcode !== 46003) {
      throw error;
    }
  }
  const current = await deps.api.get<{ is_menu_open?: number; selfmenu_info?: { button?: unknown[] } }>(
    '/cgi-bin/get_current_selfmenu_info',
  );
  const buttons = current.is_menu_open ? (current.selfmenu_info?.button ?? []) : [];
  return { default: null, conditional: [], ...(buttons.length > 0 ? { console: consoleButtons(buttons) } : {}) };
}

/** get_current_selfmenu_info nests sub-buttons as `sub_button.list`. */
function consoleButtons(buttons: unknown[]): WechatButton[] {
  return buttons.map((entry) => {
    const b = entry as { name?: string; sub_button?: { list?: unknown[] } };
    return { name: String(b.name ?? ''), ...(b.sub_button?.list ? { sub_button: consoleButtons(b.sub_button.list) } : {}) };
  });
}

/** One change `/menu publish` made (or would make). */
export type MenuChange =
  | { what: 'default'; action: 'create' | 'unchanged' }
  | { what: 'tag'; tag: string; action: 'add' | 'replace' | 'unchanged'; menuId?: string }
  | { what: 'stale'; tagId: string; menuId: string; action: 'delete' };

export type PublishResult = { ok: true; changes: MenuChange[] } | { ok: false; problem: string; changes: MenuChange[] };

/** Pushes `menus` to WeChat where it differs from what is live. */
export async function publishMenus(deps: MenuDeps, menus: MenuSet): Promise<PublishResult> {
  if (menus.default.length === 0) {
    return { ok: false, problem: 'menus.yaml 没有默认菜单（default），没有可发布的内容', changes: [] };
  }
  const synced = deps.syncedTags();
  const unsynced = [...menus.tags.keys()].filter((tag) => !synced.has(tag));
  if (unsynced.length > 0) {
    return {
      ok: false,
      problem: `标签「${unsynced.join('、')}」没有在 rules.yaml 中设为 sync: true，微信上没有这个标签的粉丝名单，无法按标签显示菜单`,
      changes: [],
    };
  }
  // The tags first: a conditional menu names its WeChat tag id (matchrule.tag_id).
  const tagIds = await ensureWechatTags(deps.connection, deps.api, [...menus.tags.keys()]);
  const live = await readLive(deps);
  const changes: MenuChange[] = [];
  try {
    const wanted = toWechatButtons(menus.default);
    if (live.default && sameButtons(live.default, wanted)) {
      changes.push({ what: 'default', action: 'unchanged' });
    } else {
      await deps.api.post('/cgi-bin/menu/create', { button: wanted });
      changes.push({ what: 'default', action: 'create' });
    }
    const wantedTagIds = new Set<string>();
    for (const [tag, buttons] of menus.tags) {
      const tagId = String(tagIds.get(tag));
      wantedTagIds.add(tagId);
      const button = toWechatButtons(buttons);
      const existing = live.conditional.filter((c) => c.tagId === tagId);
      if (existing.length === 1 && sameButtons(existing[0]!.buttons, button)) {
        changes.push({ what: 'tag', tag, action: 'unchanged', menuId: existing[0]!.menuId });
        continue;
      }
      for (const old of existing) {
        await deps.api.post('/cgi-bin/menu/delconditional', { menuid: old.menuId });
      }
      const added = await deps.api.post<{ menuid: string | number }>('/cgi-bin/menu/addconditional', {
        button,
        matchrule: { tag_id: tagId },
      });
      changes.push({ what: 'tag', tag, action: existing.length > 0 ? 'replace' : 'add', menuId: String(added.menuid) });
    }
    for (const stale of live.conditional.filter((c) => !wantedTagIds.has(c.tagId))) {
      await deps.api.post('/cgi-bin/menu/delconditional', { menuid: stale.menuId });
      changes.push({ what: 'stale', tagId: stale.tagId, menuId: stale.menuId, action: 'delete' });
    }
  } catch (error) {
    if (error instanceof WechatApiError) {
      return { ok: false, problem: `微信拒绝（${error.errcode}）：${error.errmsg}`, changes };
    }
    throw error;
  }
  return { ok: true, changes };
}
