import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStores } from '../../../framework/stores';
import { describeStoreContract } from '../../helpers/store-contract';

const roots: string[] = [];

describeStoreContract('file', {
  create: async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-stores-'));
    roots.push(root);
    return createStores({ kind: 'file', root });
  },
  reopen: async () => createStores({ kind: 'file', root: roots[roots.length - 1] }),
  cleanup: async () => {
    await Promise.all(roots.splice(0).map((root) => fs.rm(root, { recursive: true, force: true })));
  },
});
