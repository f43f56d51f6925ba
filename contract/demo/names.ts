/**
 * Name pools for demo patients and staff. Ordinary pools reflect a mixed European
 * catchment; EDGE_CASE_NAMES carries the spellings that break naive code
 * (sorting, search, uppercasing, byte-length limits, bidi rendering, NFC/NFD).
 */
import type { Rng } from './rng';

export type NameSex = 'female' | 'male';

export interface NamePool {
  culture: string;
  /** Relative frequency in the catchment. */
  weight: number;
  female: readonly string[];
  male: readonly string[];
  family: readonly string[];
}

export const NAME_POOLS: readonly NamePool[] = [
  {
    culture: 'english', weight: 24,
    female: ['Emma', 'Olivia', 'Sarah', 'Margaret', 'Emily', 'Grace', 'Hannah', 'Ruth', 'Linda', 'Susan', 'Jennifer', 'Chloe'],
    male: ['James', 'John', 'Robert', 'Michael', 'William', 'David', 'Thomas', 'George', 'Daniel', 'Harry', 'Jack', 'Peter'],
    family: ['Smith', 'Johnson', 'Williams', 'Brown', 'Taylor', 'Wilson', 'Davies', 'Evans', 'Roberts', 'Walker', 'Wright', 'Clarke', 'Hughes', 'Green', 'McDonald'],
  },
  {
    culture: 'german', weight: 20,
    female: ['Anna', 'Ursula', 'Sabine', 'Petra', 'Katharina', 'Lena', 'Hannelore', 'Monika', 'Julia', 'Birgit'],
    male: ['Hans', 'Klaus', 'Peter', 'Jürgen', 'Stefan', 'Lukas', 'Wolfgang', 'Dieter', 'Felix', 'Tobias'],
    family: ['Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Wolf', 'Schäfer', 'Bauer'],
  },
  {
    culture: 'spanish', weight: 8,
    female: ['María', 'Carmen', 'Lucía', 'Isabel', 'Ana', 'Elena', 'Rosa', 'Pilar'],
    male: ['José', 'Antonio', 'Manuel', 'Francisco', 'Javier', 'Carlos', 'Miguel', 'Alejandro'],
    family: ['García', 'Rodríguez', 'Martínez', 'López', 'Sánchez', 'Pérez', 'Gómez', 'Fernández', 'Torres', 'Ruiz'],
  },
  {
    culture: 'french', weight: 6,
    female: ['Camille', 'Léa', 'Manon', 'Chloé', 'Isabelle', 'Nathalie', 'Sophie'],
    male: ['Louis', 'Gabriel', 'Pierre', 'Jean', 'François', 'Nicolas', 'Théo'],
    family: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Lefèvre'],
  },
  {
    culture: 'turkish', weight: 8,
    female: ['Ayşe', 'Fatma', 'Zeynep', 'Elif', 'Emine', 'Hatice'],
    male: ['Mehmet', 'Mustafa', 'Ahmet', 'Ali', 'Hüseyin', 'Hasan', 'Emre'],
    family: ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Yıldız', 'Öztürk', 'Aydın'],
  },
  {
    culture: 'polish', weight: 6,
    female: ['Anna', 'Katarzyna', 'Małgorzata', 'Agnieszka', 'Zofia'],
    male: ['Piotr', 'Krzysztof', 'Tomasz', 'Łukasz', 'Jan'],
    family: ['Nowak', 'Wójcik', 'Kowalczyk', 'Mazur', 'Krawczyk', 'Zając'],
  },
  {
    // Registration desks often drop Vietnamese diacritics; both spellings occur.
    culture: 'vietnamese', weight: 4,
    female: ['Lan', 'Mai', 'Linh', 'Thu', 'Hoa'],
    male: ['Minh', 'Duc', 'Tuan', 'Hung', 'Nam'],
    family: ['Nguyen', 'Tran', 'Le', 'Pham', 'Hoang', 'Phan', 'Vu'],
  },
  {
    culture: 'arabic-latin', weight: 6,
    female: ['Fatima', 'Aisha', 'Mariam', 'Layla', 'Noor'],
    male: ['Mohammed', 'Ahmed', 'Omar', 'Youssef', 'Khalid', 'Hassan'],
    family: ['Al-Sayed', 'Haddad', 'Khalil', 'Mansour', 'Nasser', 'Saleh', 'Hamdan'],
  },
  {
    culture: 'nigerian', weight: 4,
    female: ['Chiamaka', 'Ngozi', 'Funmilayo', 'Adaeze', 'Folake'],
    male: ['Chinedu', 'Oluwaseun', 'Emeka', 'Babatunde', 'Ikenna'],
    family: ['Okafor', 'Adeyemi', 'Okonkwo', 'Balogun', 'Eze', 'Nwosu'],
  },
  {
    culture: 'indian', weight: 5,
    female: ['Priya', 'Ananya', 'Lakshmi', 'Sunita', 'Deepa'],
    male: ['Rahul', 'Arjun', 'Vikram', 'Sanjay', 'Ravi'],
    family: ['Sharma', 'Patel', 'Singh', 'Kumar', 'Iyer', 'Reddy', 'Gupta'],
  },
  {
    culture: 'chinese-pinyin', weight: 4,
    female: ['Mei', 'Xiu Ying', 'Li Na', 'Fang', 'Jing'],
    male: ['Wei', 'Jun', 'Hao', 'Zhi Qiang', 'Lei'],
    family: ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao'],
  },
  {
    culture: 'nordic', weight: 5,
    female: ['Ingrid', 'Astrid', 'Sigrid', 'Freja', 'Maja'],
    male: ['Lars', 'Erik', 'Anders', 'Magnus', 'Bjørn'],
    family: ['Hansen', 'Johansen', 'Larsen', 'Andersen', 'Nilsson', 'Lindqvist'],
  },
];

export type NameEdgeKind =
  | 'apostrophe'
  | 'hyphen'
  | 'diacritics'
  | 'non-latin'
  | 'one-word'
  | 'long-name'
  | 'particle'
  | 'decomposed';

export interface EdgeCaseName {
  familyName: string;
  givenNames: readonly string[];
  sex: NameSex;
  /** Unicode script of the letters ('Latin', 'Arabic', 'Han', …). */
  script: string;
}

/**
 * Ordered so that the first ten entries cover every required kind and script:
 * the hospital generator deals entries alternately to north and south, and with
 * 10 patients per branch only the first 15 get a slot.
 */
export const EDGE_CASE_NAMES: readonly EdgeCaseName[] = [
  { familyName: "O'Brien", givenNames: ['Patrick', 'Joseph'], sex: 'male', script: 'Latin' },
  { familyName: 'Smith-Jones', givenNames: ['Anne-Marie'], sex: 'female', script: 'Latin' },
  { familyName: 'Nguyễn', givenNames: ['Thị', 'Hương'], sex: 'female', script: 'Latin' },
  { familyName: 'العلي', givenNames: ['محمد'], sex: 'male', script: 'Arabic' },
  { familyName: '王', givenNames: ['小明'], sex: 'male', script: 'Han' },
  { familyName: 'Παπαδόπουλος', givenNames: ['Γεώργιος'], sex: 'male', script: 'Greek' },
  { familyName: 'Иванова', givenNames: ['Анна', 'Сергеевна'], sex: 'female', script: 'Cyrillic' },
  { familyName: 'शर्मा', givenNames: ['प्रिया'], sex: 'female', script: 'Devanagari' },
  { familyName: 'Suharti', givenNames: [], sex: 'female', script: 'Latin' },
  {
    familyName: 'Fernández de Córdoba y Montemayor-Wolfeschlegelsteinhausenberger',
    givenNames: ['María', 'de los Ángeles', 'Guadalupe', 'Concepción'],
    sex: 'female',
    script: 'Latin',
  },
  { familyName: "D'Angelo", givenNames: ['Maria'], sex: 'female', script: 'Latin' },
  { familyName: 'Müller', givenNames: ['Zoë'], sex: 'female', script: 'Latin' },
  { familyName: 'Çelik', givenNames: ['Ömer'], sex: 'male', script: 'Latin' },
  { familyName: 'Ødegaard', givenNames: ['Søren'], sex: 'male', script: 'Latin' },
  { familyName: 'van der Berg', givenNames: ['Jan-Willem'], sex: 'male', script: 'Latin' },
  // Decomposed (NFD) spelling, as pasted from some macOS apps: looks identical, compares unequal.
  { familyName: 'Lefe\u0300vre', givenNames: ['Zoe\u0308'], sex: 'female', script: 'Latin' },
  { familyName: 'Mulyono', givenNames: [], sex: 'male', script: 'Latin' },
  { familyName: "N'Diaye", givenNames: ['Aminata'], sex: 'female', script: 'Latin' },
];

/** Longer than this and a name overflows typical wristband / label fields. */
export const LONG_NAME_THRESHOLD = 60;

const NON_LATIN_LETTER = /(?![\p{Script=Latin}])\p{L}/u;
const NON_ASCII = /\P{ASCII}/u;
const PARTICLE = /^(?:van|von|de|del|della|der|da|di|le|la|du|dos|das|y|al|bin|ibn)$/i;

// Names repeat heavily in large fixtures and the Unicode-property regexes are not cheap.
const TAG_CACHE = new Map<string, readonly string[]>();

/** Tags describing what is unusual about a name, derived from the text itself. */
export function nameTags(familyName: string, givenNames: readonly string[]): string[] {
  const cacheKey = `${familyName}\u0000${givenNames.join('\u0001')}`;
  const cached = TAG_CACHE.get(cacheKey);
  if (cached) return cached.slice();
  const tags = computeNameTags(familyName, givenNames);
  TAG_CACHE.set(cacheKey, tags);
  return tags.slice();
}

function computeNameTags(familyName: string, givenNames: readonly string[]): string[] {
  const all = [familyName, ...givenNames].join(' ');
  const tags: string[] = [];
  if (/['’]/.test(all)) tags.push('apostrophe');
  if (/-/.test(all)) tags.push('hyphen');
  const nonLatin = NON_LATIN_LETTER.test(all);
  if (nonLatin) tags.push('non-latin');
  else if (NON_ASCII.test(all)) tags.push('diacritics');
  if (givenNames.length === 0) tags.push('one-word');
  if (familyName.length > LONG_NAME_THRESHOLD || all.length > LONG_NAME_THRESHOLD) tags.push('long-name');
  if (familyName.split(' ').some((w) => PARTICLE.test(w))) tags.push('particle');
  if (all !== all.normalize('NFC')) tags.push('decomposed');
  return tags;
}

export interface PickedName {
  familyName: string;
  givenNames: string[];
  culture: string;
}

const POOL_WEIGHTS: readonly (readonly [NamePool, number])[] = NAME_POOLS.map((p) => [p, p.weight] as const);

export function pickOrdinaryName(rng: Rng, sex: NameSex): PickedName {
  const pool = rng.weighted(POOL_WEIGHTS);
  const firsts = sex === 'female' ? pool.female : pool.male;
  const givenNames = [rng.pick(firsts)];
  if (rng.chance(0.2)) {
    const second = rng.pick(firsts);
    if (second !== givenNames[0]) givenNames.push(second);
  }
  return { familyName: rng.pick(pool.family), givenNames, culture: pool.culture };
}

/** A given name from the same pool as `culture` that differs from `avoid` (for twins). */
export function pickSiblingGivenName(rng: Rng, culture: string, sex: NameSex, avoid: readonly string[]): string {
  const pool = NAME_POOLS.find((p) => p.culture === culture) ?? NAME_POOLS[0];
  const firsts = (sex === 'female' ? pool?.female : pool?.male) ?? [];
  const candidates = firsts.filter((n) => !avoid.includes(n));
  return candidates.length > 0 ? rng.pick(candidates) : `${avoid[0] ?? 'Baby'} II`;
}
