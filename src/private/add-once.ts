import { IConstruct } from 'constructs';
import { invalidInput } from './errors';

/**
 * Remembers which `add*` methods of one construct have run, so that a second call is refused
 * with a message instead of a clash of construct ids (or a silent no-op): the same rule for
 * every `add*` method of the library. One instance per construct, held by the construct.
 */
export class AddedOnce {
  private readonly added = new Set<string>();

  constructor(private readonly scope: IConstruct) {}

  /** Throws when `method` already ran on the construct; records it otherwise. */
  public claim(method: string, howToChange: string): void {
    if (this.added.has(method)) {
      throw invalidInput(this.scope, method, `${method} was already called on ${this.scope.node.path}: it adds its resources once; ${howToChange}`);
    }
    this.added.add(method);
  }
}
