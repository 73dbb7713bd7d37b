package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class DocumentMergeTests {

    private final DocumentMerge merge = new DocumentMerge(new MergeKey(Set.of()));

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

        JsonNode parties = merge.result().path("parties");

        assertThat(parties).hasSize(3);
        assertThat(parties.get(0)).isEqualTo(json("{'name':'Acme Corp','role':'plaintiff','pages':[1,3],"
                + "'quotes':[{'page':1,'quote':'ACME CORP, Plaintiff'},{'page':3,'quote':'Acme Corp'}]}"));
        assertThat(parties.get(1).path("name").asString()).isEqualTo("Bob Ltd");
        assertThat(parties.get(2).path("name").asString()).isEqualTo("Carol");
        assertThat(parties.get(2).path("pages")).isEqualTo(json("[3]"));
    }

    @Test
    void occurrenceFieldsOfTheWorkerMoveIntoTheQuotesAndNeverSplitAnItem() {
        DocumentMerge withOccurrences = new DocumentMerge(
                new MergeKey(Set.copyOf(AggregatorProperties.defaults().merge().keyIgnoredFields())));
        withOccurrences.addPage(1, json("{'parties':[{'name':'Acme','role':'buyer','quote':'Acme (Buyer)','page':1,"
                + "'quoteFound':true,'quoteMatch':'exact'}]}"));
        withOccurrences.addPage(3, json("{'parties':[{'name':'Acme','role':'buyer','quote':'ACME','page':3,"
                + "'quoteFound':false}]}"));

        JsonNode parties = withOccurrences.result().path("parties");

        assertThat(parties).hasSize(1);
        assertThat(parties.get(0)).isEqualTo(json("{'name':'Acme','role':'buyer','pages':[1,3],'quotes':["
                + "{'page':1,'quote':'Acme (Buyer)','quoteFound':true,'quoteMatch':'exact'},"
                + "{'page':3,'quote':'ACME','quoteFound':false}]}"));
    }

    @Test
    void sameQuoteOnOnePageIsListedOnce() {
        merge.addPage(4, json("{'dates':[{'date':'2024-01-01','quote':'1 Jan'},{'date':'2024-01-01','quote':'1 Jan'}]}"));

        assertThat(merge.result().path("dates").get(0).path("quotes")).hasSize(1);
    }

    @Test
    void scalarFieldsTakeTheMostFrequentValueTiesToTheEarliestPage() {
        merge.addPage(1, json("{'documentType':'letter','summary':'one'}"));
        merge.addPage(2, json("{'documentType':'Contract','summary':''}"));
        merge.addPage(3, json("{'documentType':'contract','summary':'three'}"));
        merge.addPage(4, json("{'documentType':null,'summary':'four'}"));

        JsonNode result = merge.result();

        assertThat(result.path("documentType").asString()).isEqualTo("Contract");
        assertThat(result.path("summary").asString()).isEqualTo("one");
    }

    @Test
    void fieldWithoutAnyValueIsNull() {
        merge.addPage(1, json("{'summary':'  '}"));

        assertThat(merge.result().path("summary").isNull()).isTrue();
    }

    @Test
    void mergesAnyCustomSchemaGenerically() {
        merge.addPage(1, json("{'clauses':[{'heading':'Term','months':12,'quote':'twelve months'}],'tags':['NDA','x']}"));
        merge.addPage(2, json("{'clauses':[{'heading':'term','months':12.0,'quote':'12 months'}],'tags':['nda'],"
                + "'meta':{'lang':'en'}}"));

        JsonNode result = merge.result();

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

        assertThat(merge.result().isEmpty()).isTrue();
    }
}
