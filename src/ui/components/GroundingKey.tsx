// How to read the underlines: how strongly the image supports each word, relative to this draft; and, when the draft
// has one, what an italic word is (one the subtype gate's probe put in).
const sample = (g: string) => ({ ['--g' as string]: g });

export function GroundingKey({ probeWords = false }: { probeWords?: boolean }) {
  return (
    <p className="grounding-key" data-testid="grounding-key">
      Underlines show how well the image supports each word, relative to this draft:{' '}
      <span className="word key-sample" style={sample('1')}>
        strong
      </span>{' '}
      ·{' '}
      <span className="word key-sample" style={sample('0.35')}>
        weaker
      </span>{' '}
      · <span className="word weak key-sample">weak, check it</span>
      {probeWords && (
        <>
          {' '}
          · <span className="word by-probe key-sample">italic</span>: named by the image probe, not the language model
        </>
      )}
    </p>
  );
}
