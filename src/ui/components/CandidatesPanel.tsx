// Self-refinement, made visible: every finished beam candidate with its language-model score, its
// image–text similarity and the combined score the draft was chosen by; the chosen one marked, and
// whether the re-rank changed the beam's own choice.
import type { ReportResult } from '../../engine/types';
import { formatScore } from '../lib/format';

interface Props {
  result: ReportResult;
}

export function CandidatesPanel({ result }: Props) {
  const { candidates, settings } = result;
  const byLm = candidates.reduce((best, c, i) => (c.lengthNormLogp > candidates[best].lengthNormLogp ? i : best), 0);
  return (
    <div className="candidates" data-testid="candidates">
      <p className="rerank-note" data-testid="rerank-note">
        {candidates.length <= 1
          ? 'One candidate (beam width 1): nothing to re-rank.'
          : settings.beta === 0
            ? 'β = 0: the candidates are ranked by the language model alone (no re-rank).'
            : result.rerankChangedChoice
              ? `The re-rank changed the choice: the language model alone preferred candidate ${byLm + 1}; the image–text similarity moved another to the top.`
              : 'The re-rank kept the language model’s best candidate.'}
      </p>
      <table>
        <caption className="visually-hidden">Beam candidates, scored as logp/|c|^α + β·similarity with α = {settings.alpha}, β = {settings.beta}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Candidate</th>
            <th scope="col" title={`log-probability / length^${settings.alpha}`}>
              LM score
            </th>
            <th scope="col" title="cos(p_img, p_txt)">
              Similarity
            </th>
            <th scope="col" title={`LM score + ${settings.beta} × similarity`}>
              Combined
            </th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((c, i) => (
            <tr key={i} className={c.chosen ? 'chosen' : undefined} data-chosen={c.chosen} aria-current={c.chosen ? 'true' : undefined}>
              <td>
                {i + 1}
                {c.chosen ? (
                  <span className="chosen-mark" title="shown as the draft">
                    {' '}
                    ✓<span className="visually-hidden"> chosen</span>
                  </span>
                ) : null}
              </td>
              <td className="candidate-text">{c.text}</td>
              <td className="num">{formatScore(c.lengthNormLogp)}</td>
              <td className="num">{formatScore(c.similarity)}</td>
              <td className="num">{formatScore(c.score)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
