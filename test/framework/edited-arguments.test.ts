import { z } from 'zod';
import { defineTool, keysNotInCall, parseEditedArguments, unknownArgumentKeys } from '../../framework/internal';

const report = defineTool({
  name: 'publish_report',
  description: 'Publishes a report',
  parameters: z.object({
    title: z.string(),
    meta: z.object({ author: z.string() }).nullable(),
    sections: z.array(z.object({ heading: z.string(), text: z.string() })),
    target: z.union([z.object({ folder: z.string() }), z.object({ bucket: z.string() })]),
  }),
  execute: () => ({ published: true }),
});

const call = { title: 'Draft', meta: { author: 'model' }, sections: [{ heading: 'A', text: 'a' }], target: { folder: 'out' } };

describe('edited approval arguments', () => {
  it('finds keys the tool does not have, at any depth, by its JSON Schema', () => {
    const edited = { titel: 'Final', ...call, meta: { autor: 'me' }, sections: [{ heading: 'A', text: 'a' }, { heading: 'B', txt: 'b' }], target: { folder: 'x', buckett: 'y' } };

    expect(unknownArgumentKeys(report.jsonSchema, edited)).toEqual(['titel', 'meta.autor', 'sections[1].txt', 'target.buckett']);
    expect(unknownArgumentKeys(report.jsonSchema, { ...call, meta: null, target: { bucket: 'b' } })).toEqual([]);
  });

  it('refuses an unknown key instead of dropping it, naming the parameters there are', () => {
    expect(() => parseEditedArguments(report, { ...call, titel: 'Final' })).toThrow('titel: is not a parameter of publish_report (its parameters: title, meta, sections, target)');
    expect(parseEditedArguments(report, { ...call, title: 'Final' })).toMatchObject({ title: 'Final' });
  });

  it('finds misspelt keys against the call\'s own arguments, where no schema is at hand', () => {
    expect(keysNotInCall(call, { titel: 'x', meta: { autor: 'me' }, sections: [{ heading: 'B', txt: 'b' }] })).toEqual(['titel', 'meta.autor', 'sections[0].txt']);
    expect(keysNotInCall(call, { title: 'x', sections: [] })).toEqual([]);
    // A value that was null in the call cannot say which keys it would have.
    expect(keysNotInCall({ ...call, meta: null }, { meta: { autor: 'me' } })).toEqual([]);
  });
});
