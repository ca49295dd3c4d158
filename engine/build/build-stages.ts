/**
 * A parsed Dockerfile split into its stages: the meta ARGs before the first FROM, then one
 * stage per FROM (`FROM image [AS name]`) with the instructions up to the next FROM.
 * `--target` cuts the list after the named stage.
 */
import { InvalidArgumentError } from '../errors.js';
import { type Instruction, type ParsedDockerfile, lineError } from './dockerfile-parser.js';

/** One build stage. */
export interface Stage {
  index: number;
  /** Lower-cased `AS` name. */
  name?: string;
  from: Instruction;
  /** The base as written (before substitution). */
  base: string;
  instructions: Instruction[];
}

/** What a build runs. */
export interface BuildPlan {
  metaArgs: Instruction[];
  stages: Stage[];
  /** Steps to number (`Step N/M`): every FROM and instruction of the stages kept. */
  stepCount: number;
}

/** Splits into stages; throws naming the line of a malformed FROM or a duplicate name. */
export function planStages(parsed: ParsedDockerfile, target?: string): BuildPlan {
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const instruction of parsed.instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.trim().split(/\s+/);
      if (!(words.length === 1 || (words.length === 3 && words[1]!.toUpperCase() === 'AS'))) {
        throw lineError(instruction.line, "FROM needs an image and an optional 'AS name'");
      }
      const name = words[2]?.toLowerCase();
      if (name !== undefined) {
        if (!/^[a-z][a-z0-9_.-]*$/.test(name)) throw lineError(instruction.line, `invalid stage name '${words[2]}'`);
        if (stages.some((s) => s.name === name)) throw lineError(instruction.line, `stage name '${name}' is used twice`);
      }
      stages.push({ index: stages.length, ...(name !== undefined && { name }), from: instruction, base: words[0]!, instructions: [] });
    } else if (stages.length === 0) metaArgs.push(instruction);
    else stages.at(-1)!.instructions.push(instruction);
  }
  let kept = stages;
  if (target !== undefined) {
    const at = stages.findIndex((s) => s.name === target.toLowerCase());
    if (at < 0) throw new InvalidArgumentError(`target stage '${target}' could not be found`);
    kept = stages.slice(0, at + 1);
  }
  return { metaArgs, stages: kept, stepCount: kept.reduce((n, s) => n + 1 + s.instructions.length, 0) };
}

/** The stage a `--from` or FROM names (by name or index) among those already built; undefined if none. */
export function findStage<T extends { stage: Stage }>(built: T[], ref: string): T | undefined {
  if (/^\d+$/.test(ref)) return built[Number(ref)];
  return built.find((b) => b.stage.name === ref.toLowerCase());
}
