import { createStores, type StoreSet } from '../../../framework/stores';
import { describeStoreContract } from '../../helpers/store-contract';

let last: StoreSet;

describeStoreContract('memory', {
  create: async () => (last = createStores({ kind: 'memory' })),
  // Memory has no storage beside the instance: the same stores are the only ones that see it.
  reopen: async () => last,
});
