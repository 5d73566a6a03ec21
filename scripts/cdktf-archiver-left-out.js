/** What bundled cdktf gets for `archiver` (see packages-in-a-bundle.js): the installed fs.js zips, not the bundle. */
"use strict";
module.exports = () => {
  throw new Error("archiver is left out of this cdktf bundle: the installed lib/private/fs.js zips (scripts/packages-in-a-bundle.js)");
};
