package dev.postino.it;

/** The return path on the embedded store (the default: no conf/postino.properties). */
class ReturnPathEmbeddedIT extends ReturnPathScenario {
    @Override
    String storeProperties() {
        return null;
    }
}
