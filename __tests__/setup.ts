// Adds toHaveResourceWithProperties and friends to expect() (and their jest.Matchers typings).
// Loaded from cdktf's jest adapter rather than `Testing.setupJest()`: the adapter needs 15 of
// cdktf's modules, the package root ~380 (archiver, lodash, semver...), which jest would load
// again for every test file, including the many that never synthesize.
import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();
