import { Testing } from "cdktf";
// Brings in the global jest.Matchers typings for the cdktf matchers.
import "cdktf/lib/testing/adapters/jest";

// Adds toHaveResourceWithProperties and friends to expect().
Testing.setupJest();
