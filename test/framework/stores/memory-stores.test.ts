import { createStores } from '../../../framework/stores';
import { describeStoreContract } from '../../helpers/store-contract';

describeStoreContract('memory', { create: async () => createStores({ kind: 'memory' }) });
