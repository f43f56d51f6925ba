import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { foldSearch, matchesSearch } from './search';

const p = (familyName: string, givenNames: string[], mrn = 'N012345', nationalId: string | null = '1234567897') => ({ familyName, givenNames, mrn, nationalId });

test('folding drops accents and case as the server does', () => {
  assert.equal(foldSearch('Nguyễn'), 'nguyen');
  assert.equal(foldSearch('Schäfer'), 'schafer');
  assert.equal(foldSearch('ÖZTÜRK'), 'ozturk');
  assert.equal(foldSearch('Zoë'), 'zoe');
  assert.equal(foldSearch('ΟΔΥΣΣΕΥΣ'), 'οδυσσευσ');
  assert.equal(foldSearch('Ｎｇｕｙｅｎ'), 'nguyen');
  assert.equal(foldSearch('王'), '王');
});

test('a search finds family names, given names and MRN prefixes, word by word', () => {
  assert.ok(matchesSearch(p('Nguyễn', ['Thị', 'Lan']), 'nguyen'));
  assert.ok(matchesSearch(p('Nguyễn', ['Thị', 'Lan']), 'lan'));
  assert.ok(matchesSearch(p('Nguyễn', ['Thị', 'Lan']), 'nguy lan'));
  assert.ok(matchesSearch(p('Nguyễn', ['Thị', 'Lan']), 'Nguyễn, Thị'));
  assert.ok(matchesSearch(p('Smith-Jones', ['Ann']), 'jones'));
  assert.ok(matchesSearch(p("O'Brien", ['Seán']), "o'b"));
  assert.ok(matchesSearch(p('Doe', ['Jo']), 'n0123'));
  assert.ok(matchesSearch(p('Doe', ['Jo']), '1234567897'));
  assert.ok(!matchesSearch(p('Doe', ['Jo']), '123456'), 'a national id is matched whole');
  assert.ok(!matchesSearch(p('Nguyễn', ['Thị']), 'lan'));
  assert.ok(!matchesSearch(p('Doe', ['Jo']), 'oe'), 'prefixes only');
});

test('every name is found by its own folded prefixes', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== '' && !/[\s,-]/u.test(s)), fc.nat(), (name, cut) => {
      const folded = foldSearch(name);
      fc.pre(folded.length > 0);
      const prefix = folded.slice(0, 1 + (cut % folded.length));
      return matchesSearch(p(name, []), prefix);
    }),
  );
});
