import { COMMITTED_DIST, readTree, synthToTemp } from './support/synth';

describe('generated output is deterministic and committed', () => {
  test('a fresh synth equals the committed dist/, byte for byte', () => {
    const fresh = readTree(synthToTemp());
    const committed = readTree(COMMITTED_DIST);
    expect([...fresh.keys()]).toEqual([...committed.keys()]);
    for (const [file, content] of fresh) expect({ file, content }).toEqual({ file, content: committed.get(file) });
  });

  test('two synths in one process produce identical trees', () => {
    expect(readTree(synthToTemp())).toEqual(readTree(synthToTemp()));
  });
});
