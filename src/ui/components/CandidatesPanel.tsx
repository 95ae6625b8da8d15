// Self-refinement, made visible: what the alternatives asserted and why the draft won. A sentence on the choice
// (language-model score against image–text similarity and the candidates' agreement on findings), a tally of each
// finding across the candidates, then every finished candidate with its findings marked against the draft's and its
// scores (a term's column only where its weight is not 0); sampled alternatives say so. With the subtype gate, what
// the image probe read of a pneumonia's type; with the side gate, which side it left out of the draft and the
// measurement behind that.
import type { ReportResult } from '../../engine/types';
import { formatScore } from '../lib/format';
import { markFindings, sideGateLine, subtypeLine, whyChosen } from '../lib/refinementSummary';
import { FindingTally } from './FindingTally';

interface Props {
  result: ReportResult;
}

const SOURCE_NOTE = {
  towers: 'Similarity: the similarity towers (the text is read without the image, so it tells findings apart).',
  decoder: 'Similarity: the decoder’s own text embedding (model 1.0’s; it barely tells findings apart).',
};

export function CandidatesPanel({ result }: Props) {
  const { candidates, settings, refinement } = result;
  const chosen = candidates.find((c) => c.chosen) ?? candidates[0];
  const subtype = subtypeLine(result);
  const side = sideGateLine(result);
  const voting = (settings.vote_threshold ?? 0) > 0;
  const agreeing = (settings.consensus ?? 0) !== 0; // a column only for a term that counts: the table fits a laptop's panel
  const agreement = agreeing ? ` + ${settings.consensus} × agreement` : '';
  const formula = voting
    ? `its findings' votes (Σ share of draws − ${settings.vote_threshold}) + ${settings.beta} × the best similarity among candidates with the same findings${agreement}; the LM score orders equals`
    : `LM score + ${settings.beta} × similarity${agreement}`;
  return (
    <div className="candidates" data-testid="candidates">
      <p className="rerank-note" data-testid="rerank-note">
        {whyChosen(result)}
      </p>
      <p className="similarity-source">{SOURCE_NOTE[refinement.similaritySource]}</p>
      {subtype && (
        <p className="subtype-reading" data-testid="subtype-reading">
          {subtype}
        </p>
      )}
      {side && (
        <p className="side-gate-note" data-testid="side-gate-note">
          {side}
        </p>
      )}
      <FindingTally result={result} />
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes focus so a keyboard can scroll the table sideways where the panel is narrower than its columns (WCAG 2.1.1) */}
      <div className="candidates-scroll" role="region" aria-label="Candidates table" tabIndex={0}>
        <table>
          <caption className="visually-hidden">
            Candidates, best first, scored as {formula} (α = {settings.alpha}); findings marked against the draft
          </caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Candidate</th>
              <th scope="col">Findings (against the draft)</th>
              <th scope="col" title={`log-probability / length^${settings.alpha}`}>
                LM score
              </th>
              <th scope="col" title="cos(p_img, p_txt)">
                Similarity
              </th>
              {agreeing ? (
                <th scope="col" title="mean overlap (Jaccard) of its findings with each other candidate's">
                  Agreement
                </th>
              ) : null}
              {voting ? (
                <th scope="col" title="Σ over its findings of (share of the draws asserting it − τ)">
                  Votes
                </th>
              ) : null}
              <th scope="col" title={formula}>
                Combined
              </th>
            </tr>
          </thead>
          <tbody>
            {candidates.map((c, i) => {
              const marks = markFindings(c, chosen);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: the rank is the row's identity; the list is replaced as a whole
                <tr key={i} className={c.chosen ? 'chosen' : undefined} data-chosen={c.chosen} aria-current={c.chosen ? 'true' : undefined}>
                  <td>
                    {i + 1}
                    {c.chosen ? (
                      <span className="chosen-mark" title="shown as the draft">
                        {' '}
                        ✓<span className="visually-hidden"> chosen as the draft</span>
                      </span>
                    ) : null}
                    {i === refinement.lmChoice && !c.chosen ? <span className="lm-mark"> (LM’s choice)</span> : null}
                    {c.sampled ? (
                      <span className="sampled-mark" title="drawn from the model’s own distribution, not kept by the beam">
                        {' '}
                        sampled
                      </span>
                    ) : null}
                  </td>
                  <td className="candidate-text">{c.text}</td>
                  <td>
                    <ul className="finding-marks" aria-label={`Findings of candidate ${i + 1}`} data-testid="candidate-findings">
                      {c.chosen
                        ? marks.shared.map((f) => (
                            <li key={f} className="finding-shared">
                              {f}
                            </li>
                          ))
                        : [
                            ...marks.shared.map((f) => (
                              <li key={`s${f}`} className="finding-shared">
                                {f}
                              </li>
                            )),
                            ...marks.extra.map((f) => (
                              <li key={`e${f}`} className="finding-extra">
                                + {f}
                                <span className="visually-hidden"> (not in the draft)</span>
                              </li>
                            )),
                            ...marks.missing.map((f) => (
                              <li key={`m${f}`} className="finding-missing">
                                − {f}
                                <span className="visually-hidden"> (in the draft, not here)</span>
                              </li>
                            )),
                          ]}
                      {c.findings.length === 0 && marks.missing.length === 0 ? <li className="finding-none">no finding read</li> : null}
                    </ul>
                  </td>
                  <td className="num">{formatScore(c.lengthNormLogp)}</td>
                  <td className="num">{formatScore(c.similarity)}</td>
                  {agreeing ? <td className="num">{formatScore(c.agreement)}</td> : null}
                  {voting ? <td className="num">{formatScore(c.support)}</td> : null}
                  <td className="num">{formatScore(c.score)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
