/** Files and directories of test servers and benchmarks. */
package io.matterpipeline.testkit.files;
