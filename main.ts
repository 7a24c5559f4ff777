import { ENVIRONMENTS, GITOPS } from './constructs/environments';
import { SearchOpsApp } from './constructs/search-ops-app';

const app = new SearchOpsApp({ environments: ENVIRONMENTS, gitops: GITOPS });
app.synth();
