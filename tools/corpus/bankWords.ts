// Every text the sentence bank can produce (templates filled with each kind of location), so that the
// tokenizer's vocabulary holds all bank words even when a word is rare in the composed train reports.
import bankJson from '../../src/text/data/corpus/sentence_bank.json';
import { fillTemplate, type Location } from '../../src/text/composeLocation';

const LOCATIONS: Location[] = [{}, { side: 'bilateral' }, { side: 'left', lobe: 'upper' }, { side: 'right', lobe: 'middle' }, { side: 'left', lobe: 'lower' }];

export function bankVocabularyTexts(clean: (text: string) => string): string[] {
  const templates = [
    ...Object.values(bankJson.positive).flat(),
    ...Object.values(bankJson.impression_phrases).flat(),
    ...bankJson.impression_templates.abnormal.map((t) => t.replace('{phrases}', '')),
    ...bankJson.impression_templates.normal,
    ...Object.values(bankJson.normal).flat(),
  ];
  const out = new Set<string>();
  for (const t of templates) {
    for (const loc of LOCATIONS) {
      const filled = fillTemplate(t, loc);
      if (filled !== undefined) out.add(clean(filled));
    }
  }
  return [...out];
}
