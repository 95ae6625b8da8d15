// Wraps an ONNX runtime for tests: logs every session run (which model, input dims), can pose as another
// execution provider (e.g. a "webgpu" that really runs on the CPU provider), inject failures, and tracks
// the decoder's present.* tensors to check that every one is disposed.
import type { InferenceSession } from 'onnxruntime-common';
import modelIO from '../modelIO.json' with { type: 'json' };
import type { OrtRuntime, OrtTensor, Session } from '../sessions';

export type SessionKind = 'vision' | 'embed' | 'decoder' | 'ood';

export interface RunRecord {
  kind: SessionKind;
  dims: Record<string, readonly number[]>;
}

export interface SpyOptions {
  provider?: string; // run on this execution provider whatever the engine asks for
  failCreate?: string; // session creation throws this message
  failDecoderRun?: { at: number; message: string }; // the at-th decoder run (1-based) throws
  decoderDelayMs?: number; // each decoder run takes this much longer (a slow backend)
}

export interface OrtSpy {
  runtime: OrtRuntime;
  runs: RunRecord[];
  createOptions: InferenceSession.SessionOptions[];
  livePresents: Set<OrtTensor>; // present.* outputs not yet disposed
}

function kindOf(session: Session): SessionKind {
  if (session.outputNames.includes(modelIO.ood.outputs.score)) return 'ood';
  if (session.inputNames.includes(modelIO.vision.inputs.pixels)) return 'vision';
  if (session.inputNames.includes(modelIO.embed.inputs.ids)) return 'embed';
  return 'decoder';
}

export function spyRuntime(ort: OrtRuntime, opts: SpyOptions = {}): OrtSpy {
  const spy: OrtSpy = { runtime: ort, runs: [], createOptions: [], livePresents: new Set() };
  let decoderRuns = 0;
  const wrap = (session: Session): Session => {
    const kind = kindOf(session);
    const run = async (feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> => {
      spy.runs.push({ kind, dims: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims])) });
      if (kind === 'decoder' && opts.failDecoderRun && ++decoderRuns === opts.failDecoderRun.at) throw new Error(opts.failDecoderRun.message);
      if (kind === 'decoder' && opts.decoderDelayMs) await new Promise((resolve) => setTimeout(resolve, opts.decoderDelayMs));
      const out = (await session.run(feeds)) as Record<string, OrtTensor>;
      if (kind === 'decoder') {
        for (const [name, t] of Object.entries(out)) {
          if (!name.startsWith('present.')) continue;
          spy.livePresents.add(t);
          const dispose = t.dispose.bind(t);
          Object.defineProperty(t, 'dispose', {
            value: () => {
              spy.livePresents.delete(t);
              return dispose();
            },
          });
        }
      }
      return out;
    };
    return new Proxy(session, { get: (target, prop) => (prop === 'run' ? run : Reflect.get(target, prop)) });
  };
  spy.runtime = {
    Tensor: ort.Tensor,
    env: ort.env,
    InferenceSession: {
      create: async (model: Uint8Array, options: InferenceSession.SessionOptions = {}) => {
        spy.createOptions.push(options);
        if (opts.failCreate) throw new Error(opts.failCreate);
        const { preferredOutputLocation: _ignored, ...rest } = options;
        const actual = opts.provider ? { ...rest, executionProviders: [opts.provider] } : options;
        return wrap(await ort.InferenceSession.create(model, actual));
      },
    },
  };
  return spy;
}
