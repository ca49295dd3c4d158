/**
 * `build`: runs a Dockerfile on the engine, stage by stage, like Docker's legacy builder.
 * Each step starts from the image the previous one made: RUN in a container (run-step.ts),
 * COPY/ADD/WORKDIR in a snapshot (copy-step.ts, snapshot-step.ts), the rest as config-only
 * images (config-step.ts). Every step is looked up in the build cache first.
 *
 * Intermediate images live in the image store only while the build runs, because the next
 * step's container or snapshot is made from one; at the end (success or failure) those this
 * build added are removed again, so a failed build leaves no image and a good one leaves
 * only its result. The cache rows keep what is needed to record them again (build-cache.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerService } from '../containers/container-service.js';
import type { Engine } from '../engine.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { type ContainerConfig, hostArchitecture } from '../images/image-config.js';
import { type ImageRecord, shortId } from '../images/image-store.js';
import { formatReference, parseReference } from '../images/reference.js';
import { BuildArgs, type StageArgs } from './build-args.js';
import { BuildCache, type CacheKeyParts, cacheKey } from './build-cache.js';
import { type BuildPlan, type Stage, findStage, planStages } from './build-stages.js';
import { configChangeOf, shellOf } from './config-instructions.js';
import { commitConfigStep, scratchImage } from './config-step.js';
import { copyStep } from './copy-step.js';
import { type Instruction, jsonForm, lineError, parseDockerfile, splitInstruction } from './dockerfile-parser.js';
import { IgnoreRules } from './dockerignore.js';
import { runStep } from './run-step.js';
import { makeDirectoryInRoot } from './rootfs-writer.js';
import { resolveInRoot } from './scoped-path.js';
import { readImageFiles, writeInSnapshot } from './snapshot-step.js';
import { envLookup, expandVariables, type VariableLookup } from './variable-expansion.js';

/** What to build. */
export interface BuildOptions {
  contextDir: string;
  /** The Dockerfile's path; `<context>/Dockerfile` by default. */
  dockerfile?: string;
  tags: string[];
  buildArgs: Record<string, string>;
  noCache?: boolean;
  target?: string;
  /** Where the step-by-step output goes. */
  out: NodeJS.WritableStream;
  /** Stops the build (a running step's container is killed); it then cleans up as after a failure. */
  signal?: AbortSignal;
}

/** What a build made. */
export interface BuildResult {
  image: ImageRecord;
  tags: string[];
}

const substituted = new Set(['ADD', 'COPY', 'ENV', 'EXPOSE', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

interface StageState {
  stage: Stage;
  image: ImageRecord;
  args: StageArgs;
  cmdSet: boolean;
}

/** Builds an image from a Dockerfile and a context directory. */
/** `containers` is called only when a RUN step runs: a fully cached build never opens the container service. */
export async function buildImage(engine: Engine, containers: () => ContainerService, options: BuildOptions): Promise<BuildResult> {
  const tags = options.tags.map((t) => formatReference(parseReference(t)));
  if (!fs.statSync(options.contextDir, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidArgumentError(`build context '${options.contextDir}' is not a directory`);
  const dockerfile = options.dockerfile ?? path.join(options.contextDir, 'Dockerfile');
  let text: string;
  try {
    text = fs.readFileSync(dockerfile, 'utf8');
  } catch {
    throw new NotFoundError(`Dockerfile '${dockerfile}' not found`);
  }
  const parsed = parseDockerfile(text);
  const plan = planStages(parsed, options.target);
  for (const note of parsed.notes) options.out.write(`${note}\n`);
  const ignoreFile = path.join(options.contextDir, '.dockerignore');
  const ignore = new IgnoreRules(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
  const run = new BuildRun(engine, containers, options, plan, parsed.escape, ignore);
  const image = await run.execute();
  for (const tag of tags) engine.images.tag(image.id, tag);
  for (const name of run.args.unconsumed()) options.out.write(`[Warning] One or more build-args [${name}] were not consumed\n`);
  options.out.write(`Successfully built ${shortId(image.id)}\n`);
  for (const tag of tags) options.out.write(`Successfully tagged ${tag}\n`);
  return { image: engine.images.get(image.id), tags };
}

class BuildRun {
  readonly args: BuildArgs;
  private readonly cache: BuildCache;
  private readonly before: Set<string>;
  private readonly made = new Set<string>();
  private readonly built: StageState[] = [];
  private step = 0;

  constructor(
    private readonly engine: Engine,
    private readonly containers: () => ContainerService,
    private readonly options: BuildOptions,
    private readonly plan: BuildPlan,
    private readonly escape: string,
    private readonly ignore: IgnoreRules,
  ) {
    this.args = new BuildArgs(options.buildArgs, escape);
    this.cache = new BuildCache(engine);
    this.before = new Set(engine.images.list().map((i) => i.id));
  }

  async execute(): Promise<ImageRecord> {
    let result: ImageRecord | undefined;
    try {
      for (const instruction of this.plan.metaArgs) {
        if (instruction.keyword !== 'ARG') throw lineError(instruction.line, 'only ARG may come before the first FROM');
        this.args.declareMeta(instruction);
      }
      for (const stage of this.plan.stages) {
        const state = await this.fromStep(stage);
        for (const instruction of stage.instructions) await this.runInstruction(state, instruction, true);
        this.built.push(state);
      }
      result = this.note(await this.cache.stored(this.built.at(-1)!.image));
      return result;
    } finally {
      this.removeIntermediates(result?.id);
    }
  }

  private async fromStep(stage: Stage): Promise<StageState> {
    this.header(stage.from);
    const base = expandVariables(stage.base, this.args.metaLookup(), this.escape);
    const platform = stage.from.flags.platform;
    if (platform !== undefined && expandVariables(platform, this.args.metaLookup(), this.escape) !== `linux/${hostArchitecture()}`) {
      throw lineError(stage.from.line, `--platform=${platform}: this builder only builds for linux/${hostArchitecture()}`);
    }
    let image: ImageRecord;
    const earlier = findStage(this.built, base);
    if (base.toLowerCase() === 'scratch') image = this.note(await scratchImage(this.engine));
    else if (earlier) image = earlier.image;
    else {
      try {
        image = this.engine.images.resolve(base);
      } catch (err) {
        if (err instanceof NotFoundError) throw lineError(stage.from.line, `image '${base}' not found (builds do not pull: pull or load it first)`);
        throw err;
      }
    }
    this.print(` ---> ${shortId(image.id)}`);
    const state: StageState = { stage, image, args: this.args.stageScope(), cmdSet: false };
    const triggers = (this.cache.config(image).config?.OnBuild as string[] | null | undefined) ?? [];
    if (triggers.length > 0) {
      this.print(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}`);
      // Triggers run once, in the image built on this base; its descendants do not inherit them.
      await this.configStep(state, { parentImageId: image.id, instruction: 'ONBUILD triggers reset', buildArgs: [] }, (c) => ({ ...c, OnBuild: null }), '/bin/sh -c #(nop)  ONBUILD triggers ran', false);
      for (const trigger of triggers) await this.runInstruction(state, splitInstruction(stage.from.line, trigger), false);
    }
    return state;
  }

  private async runInstruction(state: StageState, instruction: Instruction, numbered: boolean): Promise<void> {
    this.options.signal?.throwIfAborted();
    if (numbered) this.header(instruction);
    const config = this.cache.config(state.image).config ?? {};
    const lookup = this.lookup(state, config);
    const expand = (text: string): string => {
      try {
        return expandVariables(text, lookup, this.escape);
      } catch (err) {
        throw lineError(instruction.line, (err as Error).message);
      }
    };
    const args = substituted.has(instruction.keyword) ? expand(instruction.args) : instruction.args;
    const key: CacheKeyParts = { parentImageId: state.image.id, instruction: `${instruction.keyword} ${JSON.stringify(instruction.flags)} ${args}`, buildArgs: [] };
    switch (instruction.keyword) {
      case 'ARG': {
        state.args.declare(instruction, lookup);
        // No new image; cached like any step so that an unchanged rebuild says so.
        const parts = { ...key, buildArgs: state.args.inScope() };
        if (!(await this.fromCache(state, parts))) this.done(state, parts, await this.materialize(state));
        return;
      }
      case 'RUN':
        return this.runCommand(state, instruction, shellOf(config), key);
      case 'COPY':
      case 'ADD':
        return this.copy(state, instruction, args, config, key, expand);
      case 'WORKDIR':
        return this.workdir(state, args, config, key);
      default: {
        const change = configChangeOf(instruction, args, state.cmdSet);
        if (instruction.keyword === 'CMD') state.cmdSet = true;
        await this.configStep(state, key, change, `/bin/sh -c #(nop)  ${instruction.keyword} ${args}`, true);
      }
    }
  }

  private async runCommand(state: StageState, instruction: Instruction, shell: string[], key: CacheKeyParts): Promise<void> {
    const argv = jsonForm(instruction.args) ?? [...shell, instruction.args];
    const buildArgs = state.args.inScope();
    const createdBy = `${buildArgs.length > 0 ? `|${buildArgs.length} ${buildArgs.join(' ')} ` : ''}${argv.join(' ')}`;
    const parts = { ...key, buildArgs };
    if (await this.fromCache(state, parts)) return;
    const image = await runStep({ engine: this.engine, containers: this.containers(), image: await this.materialize(state), argv, buildArgs, createdBy, out: this.options.out, ...(this.options.signal && { signal: this.options.signal }) });
    this.done(state, parts, image);
  }

  private async copy(state: StageState, instruction: Instruction, args: string, config: ContainerConfig, key: CacheKeyParts, expand: (t: string) => string): Promise<void> {
    const from = instruction.flags.from !== undefined ? expand(instruction.flags.from) : undefined;
    const chown = instruction.flags.chown !== undefined ? expand(instruction.flags.chown) : undefined;
    if (instruction.keyword === 'ADD' && from !== undefined) throw lineError(instruction.line, 'ADD does not take --from; use COPY --from');
    if (instruction.flags.checksum !== undefined) throw lineError(instruction.line, 'ADD --checksum is for URL sources, which builds do not fetch yet');
    const input = {
      engine: this.engine, instruction, args, base: () => this.materialize(state), workdir: config.WorkingDir || '/', escape: this.escape,
      ...(chown !== undefined && { chown }),
    };
    if (from === undefined) {
      let parts = key;
      const cached = async (contentHash: string): Promise<ImageRecord | undefined> => {
        parts = { ...key, contentHash };
        return (await this.fromCache(state, parts)) ? state.image : undefined;
      };
      const result = await copyStep({ ...input, cached, fromImage: false, source: { dir: this.options.contextDir, ignore: this.ignore, label: 'build context' } });
      if (!result.cached) this.done(state, parts, result.image);
      return;
    }
    // A stage's image ID stands for its content (it is the digest of a config that lists the
    // layer digests), so the key needs no look inside it and a hit needs no mount.
    const source = this.sourceImage(from, instruction);
    const parts = { ...key, contentHash: `image ${source.id}` };
    if (await this.fromCache(state, parts)) return;
    const stored = this.note(await this.cache.stored(source));
    const result = await readImageFiles(this.engine, stored, (root) => copyStep({ ...input, cached: async () => undefined, fromImage: true, source: { dir: root, label: `stage '${from}'` } }));
    this.done(state, parts, result.image);
  }

  private async workdir(state: StageState, args: string, config: ContainerConfig, key: CacheKeyParts): Promise<void> {
    const dir = path.posix.resolve(config.WorkingDir || '/', args);
    if (await this.fromCache(state, key)) return;
    const createdBy = `/bin/sh -c #(nop) WORKDIR ${dir}`;
    const withLayer = await writeInSnapshot(this.engine, await this.materialize(state), { createdBy, changes: [`WORKDIR ${dir}`] }, async (root) => {
      const stat = fs.statSync(resolveInRoot(root, dir), { throwIfNoEntry: false });
      if (stat?.isDirectory()) return false;
      makeDirectoryInRoot(root, dir);
      return true;
    });
    if (withLayer) return this.done(state, key, withLayer);
    this.done(state, key, await commitConfigStep(this.engine, state.image, (c) => ({ ...c, WorkingDir: dir }), createdBy));
  }

  private async configStep(state: StageState, key: CacheKeyParts, change: (c: ContainerConfig) => ContainerConfig, createdBy: string, announce: boolean): Promise<void> {
    if (await this.fromCache(state, key, announce)) return;
    this.done(state, key, await commitConfigStep(this.engine, await this.materialize(state), change, createdBy), announce);
  }

  /** A cache hit moves the stage on and prints Docker's lines; a miss returns false. */
  private async fromCache(state: StageState, parts: CacheKeyParts, announce = true): Promise<boolean> {
    if (this.options.noCache) return false;
    const hit = this.cache.lookup(cacheKey(parts));
    if (!hit) return false;
    state.image = hit;
    if (announce) this.print(` ---> Using cache\n ---> ${shortId(hit.id)}`);
    return true;
  }

  private done(state: StageState, parts: CacheKeyParts, image: ImageRecord, announce = true): void {
    this.cache.record(cacheKey(parts), image);
    state.image = this.note(image);
    if (announce) this.print(` ---> ${shortId(image.id)}`);
  }

  private sourceImage(from: string, instruction: Instruction): ImageRecord {
    const stage = findStage(this.built, from);
    if (stage) return stage.image;
    if (this.plan.stages.some((s) => s.name === from.toLowerCase())) throw lineError(instruction.line, `COPY --from=${from}: that stage comes later; a stage can only copy from earlier ones`);
    try {
      return this.engine.images.resolve(from);
    } catch (err) {
      if (err instanceof NotFoundError) throw lineError(instruction.line, `COPY --from=${from}: no stage or image of that name`);
      throw err;
    }
  }

  private lookup(state: StageState, config: ContainerConfig): VariableLookup {
    const env = envLookup(config.Env ?? []);
    return (name) => env(name) ?? state.args.get(name);
  }

  /** The stage's image, in the image store (a cache hit may not be) for a step to build on. */
  private async materialize(state: StageState): Promise<ImageRecord> {
    state.image = this.note(await this.cache.stored(state.image));
    return state.image;
  }

  private note(image: ImageRecord): ImageRecord {
    this.made.add(image.id);
    return image;
  }

  private header(instruction: Instruction): void {
    this.print(`Step ${++this.step}/${this.plan.stepCount} : ${instruction.text}`);
  }

  private print(line: string): void {
    this.options.out.write(`${line}\n`);
  }

  /** Removes the images this build added, except its result; a failed build keeps none. */
  private removeIntermediates(keep: string | undefined): void {
    for (const id of this.made) {
      if (id === keep || this.before.has(id)) continue;
      try {
        const image = this.engine.images.get(id);
        if (image.refs.length === 0 && this.engine.images.users(id).length === 0) this.engine.images.remove(id);
      } catch {
        // Already gone.
      }
    }
  }
}
