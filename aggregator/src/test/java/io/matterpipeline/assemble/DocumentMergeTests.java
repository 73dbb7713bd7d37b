package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.contract.ItemsIndex;
import io.matterpipeline.contract.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

class DocumentMergeTests {

    private static final String ITEMS = "m/items/";

    @TempDir
    Path spill;

    private DocumentMerge merge;

    @BeforeEach
    void createMerge() {
        merge = merge(new MergeKey(Set.of()));
    }

    @AfterEach
    void deleteSpill() {
        merge.close();
    }

    /** A merge that writes runs to disk early, so every test also covers the spilled path. */
    private DocumentMerge merge(MergeKey keys) {
        return new DocumentMerge(keys, spill, 64 * 1024);
    }

    private final MemoryBlobStore store = new MemoryBlobStore();

    private JsonNode result(DocumentMerge merge) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = MessageCodec.mapper().createGenerator(bytes)) {
            merge.write(out, new ItemPages(store, ITEMS, 8));
        }
        return MessageCodec.mapper().readTree(bytes.toByteArray());
    }

    private static JsonNode json(String text) {
        return MessageCodec.mapper().readTree(text.replace('\'', '"'));
    }

    @Test
    void deduplicatesItemsAcrossPagesWithPageNumbersAndQuotes() {
        merge.addPage(1, json("{'parties':[{'name':'Acme Corp','role':'plaintiff','quote':'ACME CORP, Plaintiff'},"
                + "{'name':'Bob Ltd','role':'defendant','quote':'Bob Ltd'}]}"));
        merge.addPage(2, json("{'parties':[]}"));
        merge.addPage(3, json("{'parties':[{'name':'Carol','role':'witness','quote':'Carol'},"
                + "{'name':'acme  corp','role':'Plaintiff','quote':'Acme Corp'}]}"));

        JsonNode parties = result(merge).path("parties");

        assertThat(parties).hasSize(3);
        assertThat(parties.get(0)).isEqualTo(json("{'name':'Acme Corp','role':'plaintiff','pages':[1,3],"
                + "'quotes':[{'page':1,'quote':'ACME CORP, Plaintiff'},{'page':3,'quote':'Acme Corp'}]}"));
        assertThat(parties.get(1).path("name").asString()).isEqualTo("Bob Ltd");
        assertThat(parties.get(2).path("name").asString()).isEqualTo("Carol");
        assertThat(parties.get(2).path("pages")).isEqualTo(json("[3]"));
    }

    @Test
    void occurrenceFieldsOfTheWorkerMoveIntoTheQuotesAndNeverSplitAnItem() {
        DocumentMerge withOccurrences = merge(
                new MergeKey(Set.copyOf(AggregatorProperties.defaults().merge().keyIgnoredFields())));
        withOccurrences.addPage(1, json("{'parties':[{'name':'Acme','role':'buyer','quote':'Acme (Buyer)','page':1,"
                + "'quoteFound':true,'quoteMatch':'exact'}]}"));
        withOccurrences.addPage(3, json("{'parties':[{'name':'Acme','role':'buyer','quote':'ACME','page':3,"
                + "'quoteFound':false}]}"));

        JsonNode parties = result(withOccurrences).path("parties");

        assertThat(parties).hasSize(1);
        assertThat(parties.get(0)).isEqualTo(json("{'name':'Acme','role':'buyer','pages':[1,3],'quotes':["
                + "{'page':1,'quote':'Acme (Buyer)','quoteFound':true,'quoteMatch':'exact'},"
                + "{'page':3,'quote':'ACME','quoteFound':false}]}"));
    }

    @Test
    void sameQuoteOnOnePageIsListedOnce() {
        merge.addPage(4, json("{'dates':[{'date':'2024-01-01','quote':'1 Jan'},{'date':'2024-01-01','quote':'1 Jan'}]}"));

        assertThat(result(merge).path("dates").get(0).path("quotes")).hasSize(1);
    }

    @Test
    void scalarFieldsTakeTheMostFrequentValueTiesToTheEarliestPage() {
        merge.addPage(1, json("{'documentType':'letter','summary':'one'}"));
        merge.addPage(2, json("{'documentType':'Contract','summary':''}"));
        merge.addPage(3, json("{'documentType':'contract','summary':'three'}"));
        merge.addPage(4, json("{'documentType':null,'summary':'four'}"));

        JsonNode result = result(merge);

        assertThat(result.path("documentType").asString()).isEqualTo("Contract");
        assertThat(result.path("summary").asString()).isEqualTo("one");
    }

    @Test
    void fieldWithoutAnyValueIsNull() {
        merge.addPage(1, json("{'summary':'  '}"));

        assertThat(result(merge).path("summary").isNull()).isTrue();
    }

    @Test
    void mergesAnyCustomSchemaGenerically() {
        merge.addPage(1, json("{'clauses':[{'heading':'Term','months':12,'quote':'twelve months'}],'tags':['NDA','x']}"));
        merge.addPage(2, json("{'clauses':[{'heading':'term','months':12.0,'quote':'12 months'}],'tags':['nda'],"
                + "'meta':{'lang':'en'}}"));

        JsonNode result = result(merge);

        assertThat(result.path("clauses")).hasSize(1);
        assertThat(result.path("clauses").get(0).path("pages")).isEqualTo(json("[1,2]"));
        assertThat(result.path("tags")).hasSize(2);
        assertThat(result.path("tags").get(0)).isEqualTo(json("{'value':'NDA','pages':[1,2],'quotes':[]}"));
        assertThat(result.path("meta")).isEqualTo(json("{'lang':'en'}"));
    }

    @Test
    void ignoresExtractionsThatAreNotObjects() {
        merge.addPage(1, null);
        merge.addPage(2, json("[1,2]"));

        assertThat(result(merge).isEmpty()).isTrue();
    }

    @Test
    void manyItemsGoThroughDiskAndComeBackInFirstSeenOrderWithEveryPage() throws Exception {
        // A case number per page (all different) and one party on every page: far more than 64 KB of occurrences.
        for (int page = 1; page <= 3000; page++) {
            merge.addPage(page, json("{'caseNumbers':['CV-" + (3001 - page) + "'],'parties':[{'name':'Acme',"
                    + "'quote':'Acme on " + page + "'}],'summary':'s" + (page % 7) + "'}"));
        }

        JsonNode result = result(merge);

        assertThat(merge.spilled()).as("the merge must really spill").isPositive();
        assertThat(result.path("caseNumbers")).hasSize(3000);
        assertThat(result.path("caseNumbers").get(0)).isEqualTo(json("{'value':'CV-3000','pages':[1],'quotes':[]}"));
        assertThat(result.path("caseNumbers").get(2999).path("value").asString()).isEqualTo("CV-1");
        assertThat(result.path("parties")).hasSize(1);
        assertThat(result.path("parties").get(0).path("pages")).hasSize(3000);
        assertThat(result.path("parties").get(0).path("quotes").get(2999).path("quote").asString())
                .isEqualTo("Acme on 3000");
        assertThat(result.path("summary").asString()).isEqualTo("s1");
        // The same items, in pages for the items API: 30 chunks of 100 case numbers, in order.
        ItemsIndex index = MessageCodec.mapper().readValue(store.bytes(BlobPaths.itemsIndex(ITEMS)), ItemsIndex.class);
        assertThat(index.fields()).extracting(ItemsIndex.Field::name)
                .containsExactly("caseNumbers", "parties", "summary");
        assertThat(index.fields().get(0).count()).isEqualTo(3000);
        assertThat(index.fields().get(0).chunkStarts()).hasSize(30).startsWith(0, 100);
        assertThat(MessageCodec.mapper().readTree(store.bytes(BlobPaths.itemsChunk(ITEMS, 0, 29))).get(99))
                .isEqualTo(result.path("caseNumbers").get(2999));
        assertThat(index.fields().get(2).value().asString()).isEqualTo("s1");
        merge.close();
        try (Stream<Path> left = Files.list(spill)) {
            assertThat(left).as("run files are deleted").isEmpty();
        }
    }
}
