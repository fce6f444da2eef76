/**
 * PURE: which merchant-defined interests a text mentions (rules.yaml `interests`), e.g.
 * "有没有新款连衣裙" → ['连衣裙']. Case-insensitive substring match: Chinese has no spaces.
 */

/** One interest and the words that reveal it. */
export interface InterestDefinition {
  name: string;
  words: readonly string[];
}

/** The names of the interests `text` mentions, each once. */
export function interestsIn(text: string, interests: readonly InterestDefinition[]): string[] {
  const lower = text.toLowerCase();
  if (lower.length === 0) {
    return [];
  }
  return interests.filter((interest) => interest.words.some((word) => lower.includes(word.toLowerCase()))).map((interest) => interest.name);
}
