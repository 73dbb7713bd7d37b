/** Loopback networking for test servers: ports that a restart can bind again. */
package io.matterpipeline.testkit.net;
