/**
 * ARG scoping, as Docker's: an ARG before the first FROM is a meta arg, visible only in
 * FROM lines; inside a stage an ARG is visible from its line to the end of that stage only,
 * and an `ARG NAME` without a default there takes the meta arg's value. A `--build-arg`
 * sets the value of a declared ARG; one that no ARG declares is reported, not used.
 */
import { type Instruction, lineError } from './dockerfile-parser.js';
import { expandVariables, splitWords, type VariableLookup } from './variable-expansion.js';

/** The build args of a whole build. */
export class BuildArgs {
  private readonly meta = new Map<string, string | undefined>();
  private readonly consumed = new Set<string>();

  constructor(private readonly given: Record<string, string>, private readonly escape: string) {}

  /** Declares the meta args of an ARG line before the first FROM. */
  declareMeta(instruction: Instruction): void {
    for (const [name, value] of this.parse(instruction, (n) => this.meta.get(n))) this.meta.set(name, value);
  }

  /** Looks up meta args (for FROM lines). */
  metaLookup(): VariableLookup {
    return (name) => this.meta.get(name);
  }

  /** A fresh scope for a stage. */
  stageScope(): StageArgs {
    return new StageArgs(this);
  }

  /** `--build-arg` names that no ARG declared. */
  unconsumed(): string[] {
    return Object.keys(this.given).filter((n) => !this.consumed.has(n)).sort();
  }

  /** Parses `ARG NAME[=default] ...`; values come from --build-arg, the default, or the meta arg. */
  parse(instruction: Instruction, lookup: VariableLookup, inherit?: (name: string) => string | undefined): [string, string | undefined][] {
    const out: [string, string | undefined][] = [];
    for (const word of splitWords(instruction.args, this.escape)) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw lineError(instruction.line, `invalid ARG name '${name}'`);
      let value: string | undefined;
      if (Object.hasOwn(this.given, name)) {
        value = this.given[name];
        this.consumed.add(name);
      } else if (eq >= 0) value = expandVariables(word.slice(eq + 1), lookup, this.escape);
      else value = inherit?.(name);
      out.push([name, value]);
    }
    return out;
  }

  /** The meta arg's value (for an in-stage ARG without a default). */
  metaValue(name: string): string | undefined {
    return this.meta.get(name);
  }
}

/** The args declared so far in one stage. */
export class StageArgs {
  private readonly values = new Map<string, string | undefined>();

  constructor(private readonly build: BuildArgs) {}

  /** Declares the args of an ARG line; `lookup` resolves variables in defaults. */
  declare(instruction: Instruction, lookup: VariableLookup): void {
    for (const [name, value] of this.build.parse(instruction, lookup, (n) => this.build.metaValue(n))) this.values.set(name, value);
  }

  /** The value of a declared arg with a value; undefined otherwise. */
  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** `NAME=value` for every declared arg with a value, sorted (a RUN's environment and cache key). */
  inScope(): string[] {
    return [...this.values].filter(([, v]) => v !== undefined).map(([n, v]) => `${n}=${v}`).sort();
  }
}
