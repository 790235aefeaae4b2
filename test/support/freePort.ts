// One implementation, shared with the scripts that start servers on free ports.
export { freePort } from '../../scripts/freePort';
