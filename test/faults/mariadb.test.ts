import { faultSuite } from './suite';

faultSuite('mariadb');
