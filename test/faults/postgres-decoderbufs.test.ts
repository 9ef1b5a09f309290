import { faultSuite } from './suite';

// the same faults through Debezium's decoderbufs plugin (Debian's postgresql-15-decoderbufs)
faultSuite('postgres', 'decoderbufs');
