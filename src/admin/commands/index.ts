/**
 * Every chat command, in one explicit list. Features add their commands here, and the
 * dependencies those commands need to `CommandDeps`.
 */
import type { Connection } from 'mongoose';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { CommandDefinition } from '../command.js';
import type { RoleRegistry } from '../roles.js';
import { helpCommand } from './help.js';

export interface CommandDeps {
  connection: Connection;
  roles: RoleRegistry;
  clock: Clock;
  logger: Logger;
}

export function createCommands(_deps: CommandDeps): CommandDefinition[] {
  const commands: CommandDefinition[] = [];
  commands.push(helpCommand(() => commands));
  return commands;
}
