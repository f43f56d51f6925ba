// The data folder is the server's setting too (audit checkpoints); one definition, in server/.
export { DATA_DIR_MODE, dataDir } from '../server/data-dir';
