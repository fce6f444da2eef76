/**
 * /menu (菜单): what is live on WeChat and what menus.yaml says; /menu publish (发布) reloads
 * menus.yaml — so click replies and published buttons stay one definition — and pushes the
 * difference (src/menus/publish-menus.ts). A file WeChat would refuse changes nothing.
 */
import type { TemplateRegistry } from '../../conversation/template-registry.js';
import { loadMenuFile, type MenuSet } from '../../menus/menu-file.js';
import { publishMenus, readLive, type MenuChange, type MenuDeps } from '../../menus/publish-menus.js';
import { describeButtons, sameButtons, toWechatButtons } from '../../menus/wechat-menu.js';
import { getWechatTagModel } from '../../tagging/wechat-tag-model.js';
import { replyUsage, type CommandContext, type CommandDefinition } from '../command.js';

export interface MenuCommandDeps extends MenuDeps {
  templates: TemplateRegistry;
  templatesDir: string;
}

export function menuCommand(deps: MenuCommandDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'menu',
    aliases: ['菜单'],
    roles: ['admin'],
    usage: '/menu — 查看微信上的菜单和 menus.yaml；/menu publish（发布）— 发布 menus.yaml 中有变化的菜单',
    async run(command) {
      const sub = command.argv[0]?.toLowerCase();
      if (command.argv.length === 0) {
        await command.say(await describeMenus(deps));
        return undefined;
      }
      if ((sub === 'publish' || sub === '发布') && command.argv.length === 1) {
        return publish(deps, command);
      }
      return replyUsage(command, definition);
    },
  };
  return definition;
}

async function publish(deps: MenuCommandDeps, command: CommandContext) {
  try {
    // Click replies come from the same file: reloading here keeps them in step with the buttons.
    await deps.templates.reload();
  } catch (error) {
    await command.say(`❌ 菜单未发布，微信上的菜单没有变动：${(error as Error).message}`);
    return { outcome: 'usage' as const, detail: 'menus.yaml invalid' };
  }
  const result = await publishMenus(deps, deps.templates.menus);
  const lines = result.changes.map(describeChange);
  if (!result.ok) {
    const done = result.changes.some((c) => c.action !== 'unchanged');
    await command.say(
      [`❌ 菜单未能全部发布：${result.problem}`, ...(done ? ['已完成的部分：', ...lines] : ['微信上的菜单没有变动。'])].join('\n'),
    );
    return { outcome: 'usage' as const, detail: result.problem };
  }
  const changed = result.changes.some((c) => c.action !== 'unchanged');
  await command.say(
    [
      changed ? '✅ 菜单已发布：' : '✅ 微信上的菜单已与 menus.yaml 一致，无需发布：',
      ...lines,
      changed ? '粉丝重新进入公众号（约 5 分钟内）即可看到新菜单。' : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return { outcome: 'ok' as const, detail: `${result.changes.filter((c) => c.action !== 'unchanged').length} changes` };
}

function describeChange(change: MenuChange): string {
  switch (change.what) {
    case 'default':
      return change.action === 'create' ? '· 默认菜单：已更新（menu/create）' : '· 默认菜单：未变';
    case 'tag':
      return {
        add: `· 标签「${change.tag}」的菜单：已新增（条件菜单 ${change.menuId}）`,
        replace: `· 标签「${change.tag}」的菜单：已替换（条件菜单 ${change.menuId}）`,
        unchanged: `· 标签「${change.tag}」的菜单：未变`,
      }[change.action];
    case 'stale':
      return `· 微信标签 ${change.tagId} 的条件菜单 ${change.menuId}：menus.yaml 中已没有，已删除`;
  }
}

/** The live menus beside menus.yaml, each marked as matching the file or not. */
async function describeMenus(deps: MenuCommandDeps): Promise<string> {
  let file: MenuSet | undefined;
  let fileProblem: string | undefined;
  try {
    file = await loadMenuFile(deps.templatesDir);
  } catch (error) {
    fileProblem = (error as Error).message;
  }
  const live = await readLive(deps);
  const names = new Map(
    (await getWechatTagModel(deps.connection).find({}, { name: 1, tagId: 1 }).lean()).map((t) => [String(t.tagId), t.name]),
  );
  const lines = ['微信上当前的菜单：'];
  if (live.default) {
    const same = file ? sameButtons(live.default, toWechatButtons(file.default)) : false;
    lines.push(`· 默认：${describeButtons(live.default)}${file ? (same ? '（与 menus.yaml 一致）' : '（与 menus.yaml 不同）') : ''}`);
  } else if (live.console) {
    lines.push(`· 默认：${describeButtons(live.console)}（在公众平台网页上设置，发布后由 menus.yaml 接管）`);
  } else {
    lines.push('· 没有菜单');
  }
  for (const c of live.conditional) {
    const tag = names.get(c.tagId);
    const wanted = tag === undefined ? undefined : file?.tags.get(tag);
    const mark = wanted
      ? sameButtons(c.buttons, toWechatButtons(wanted))
        ? '（与 menus.yaml 一致）'
        : '（与 menus.yaml 不同）'
      : '（menus.yaml 中没有）';
    lines.push(`· 标签「${tag ?? `微信标签 ${c.tagId}`}」：${describeButtons(c.buttons)}${mark}`);
  }
  lines.push('menus.yaml：');
  if (fileProblem) {
    lines.push(`❌ ${fileProblem}`);
  } else if (!file || file.default.length === 0) {
    lines.push('· 没有定义菜单');
  } else {
    lines.push(`· 默认：${describeButtons(toWechatButtons(file.default))}`);
    for (const [tag, buttons] of file.tags) {
      lines.push(`· 标签「${tag}」：${describeButtons(toWechatButtons(buttons))}`);
    }
  }
  lines.push('发送 /menu publish（发布）把 menus.yaml 中有变化的菜单推送到微信。');
  return lines.join('\n');
}
