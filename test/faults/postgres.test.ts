import { faultSuite } from './suite';

faultSuite('postgres');
