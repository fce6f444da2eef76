/**
 * Custom menus (shared/WECHAT.md §10): the default menu (`menu/create`, `menu/get`,
 * `menu/delete`, `get_current_selfmenu_info`) and conditional menus for a tag
 * (`menu/addconditional`, `menu/delconditional`), with the structure and size checks WeChat
 * answers 40016–40027 for.
 */
import { OK, error, isObject, type Answer, type FakeRequest, type Json } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import type { FakeMenu } from './types.js';

/** Types whose button needs a `key` (they push an event carrying it). */
const KEYED = new Set([
  'click',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
]);
const TYPES = new Set([...KEYED, 'view', 'miniprogram', 'media_id', 'view_limited', 'article_id', 'article_view_limited']);

const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

/** Errcodes of one level: top-level buttons and sub-buttons have their own (40016… / 40023…). */
interface LevelCodes {
  size: number;
  type: number;
  name: number;
  key: number;
  url: number;
  maxName: number;
}
const TOP: LevelCodes = { size: 40016, type: 40017, name: 40018, key: 40019, url: 40020, maxName: 16 };
const SUB: LevelCodes = { size: 40023, type: 40024, name: 40025, key: 40026, url: 40027, maxName: 60 };

/** The errcode for the first thing wrong with a button list, or null. */
function checkButtons(buttons: unknown, codes: LevelCodes, max: number): number | null {
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > max) {
    return codes.size;
  }
  for (const button of buttons) {
    if (!isObject(button)) {
      return codes.type;
    }
    const name = button.name;
    if (typeof name !== 'string' || name === '' || bytes(name) > codes.maxName) {
      return codes.name;
    }
    // A top-level button opens sub-buttons or acts itself (menu/get shows `sub_button: []` then).
    if (codes === TOP && Array.isArray(button.sub_button) && button.sub_button.length > 0) {
      const bad = checkButtons(button.sub_button, SUB, 5);
      if (bad !== null) {
        return bad;
      }
      continue;
    }
    const bad = checkAction(button, codes);
    if (bad !== null) {
      return bad;
    }
  }
  return null;
}

/** A leaf button: a known type and the field that type needs. */
function checkAction(button: Json, codes: LevelCodes): number | null {
  const type = button.type;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    return codes.type;
  }
  if (KEYED.has(type) && (bytes(button.key) === 0 || bytes(button.key) > 128)) {
    return codes.key;
  }
  if ((type === 'view' || type === 'miniprogram') && (bytes(button.url) === 0 || bytes(button.url) > 1024)) {
    return codes.url;
  }
  return null;
}

/** POST /cgi-bin/menu/create: replaces the default menu (conditional menus stay). */
export function menuCreate(account: FakeAccount, req: FakeRequest): Answer {
  const button = isObject(req.body) ? req.body.button : undefined;
  const bad = checkButtons(button, TOP, 3);
  if (bad !== null) {
    return error(bad);
  }
  account.menu = { menuid: String(account.nextMenuId++), button: button as unknown[] };
  return OK;
}

/** POST /cgi-bin/menu/addconditional: a menu for the fans of one tag; answers its menuid. */
export function menuAddConditional(account: FakeAccount, req: FakeRequest): Answer {
  const body = isObject(req.body) ? req.body : {};
  if (!account.menu) {
    return error(65303);
  }
  const matchrule = body.matchrule;
  const tagId = isObject(matchrule) ? matchrule.tag_id : undefined;
  if (tagId === undefined || tagId === '') {
    return error(65304);
  }
  if (!account.tags.has(Number(tagId))) {
    return error(45159);
  }
  const bad = checkButtons(body.button, TOP, 3);
  if (bad !== null) {
    return error(bad);
  }
  const menu: FakeMenu = { menuid: String(account.nextMenuId++), button: body.button as unknown[], matchrule: { tag_id: String(tagId) } };
  account.conditionalMenus.set(menu.menuid, menu);
  return { body: { menuid: menu.menuid } };
}

/** POST /cgi-bin/menu/delconditional: removes one conditional menu by menuid. */
export function menuDelConditional(account: FakeAccount, req: FakeRequest): Answer {
  const menuid = isObject(req.body) ? String(req.body.menuid ?? '') : '';
  if (!account.conditionalMenus.delete(menuid)) {
    return error(65301);
  }
  return OK;
}

/** GET /cgi-bin/menu/get: the menus made through the API; 46003 when there is none. */
export function menuGet(account: FakeAccount): Answer {
  if (!account.menu) {
    return error(46003);
  }
  const conditional = [...account.conditionalMenus.values()].map((m) => ({ button: m.button, matchrule: m.matchrule, menuid: m.menuid }));
  return {
    body: {
      menu: { button: account.menu.button, menuid: account.menu.menuid },
      ...(conditional.length > 0 ? { conditionalmenu: conditional } : {}),
    },
  };
}

/** GET /cgi-bin/menu/delete: removes the default menu and every conditional one. */
export function menuDelete(account: FakeAccount): Answer {
  account.menu = null;
  account.conditionalMenus.clear();
  return OK;
}

/** GET /cgi-bin/get_current_selfmenu_info: what is live, in its own shape (`sub_button.list`). */
export function currentSelfMenu(account: FakeAccount): Answer {
  if (!account.menu) {
    return { body: { is_menu_open: 0, selfmenu_info: { button: [] } } };
  }
  const button = account.menu.button.map((b) => {
    const entry = b as Json;
    return Array.isArray(entry.sub_button) && entry.sub_button.length > 0
      ? { name: entry.name, sub_button: { list: entry.sub_button } }
      : entry;
  });
  return { body: { is_menu_open: 1, selfmenu_info: { button } } };
}
