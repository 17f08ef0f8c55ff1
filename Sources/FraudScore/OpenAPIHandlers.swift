import HTTPServer
import JSON

/// `GET /openapi.json` (generated from the model being served) and `GET /docs`, a self-contained page
/// that renders it: no CDN, since clusters are often offline.
struct OpenAPIHandlers: Sendable {
    let app: FraudScoreApp

    func document(_ request: HTTPRequest) -> HTTPResponse {
        let serving = app.currentModel
        let schema = TransactionSchema(features: serving?.decoder.featureNames ?? [],
                                       allowMissingFeatures: app.scoring.allowMissingFeatures,
                                       onlineFeatures: app.features != nil)
        let doc = OpenAPIDocument.make(schema: schema, info: serving?.loaded.info, maxBatch: app.scoring.maxBatchSize)
        var w = JSONWriter(capacity: 8192)
        doc.write(into: &w)
        return HTTPResponse(status: 200, body: w.bytes)
    }

    func docs(_ request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(OpenAPIHandlers.page.utf8))
    }

    static let page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>fraudscore API</title>
        <style>
        body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
        h1{margin-bottom:0}.op{border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.6em 1em}
        .m{display:inline-block;min-width:4em;font-weight:bold;text-transform:uppercase}
        .post{color:#0a6}.get{color:#06c}code,pre{background:#f6f6f6;border-radius:4px;padding:.1em .3em}
        pre{padding:.6em;overflow:auto}table{border-collapse:collapse}td{padding:.1em .8em;border-bottom:1px solid #eee}
        </style></head><body>
        <h1>fraudscore</h1><p id="desc"></p><div id="ops"></div><h2>Schemas</h2><div id="schemas"></div>
        <script>
        const el=(t,h)=>{const e=document.createElement(t);e.innerHTML=h;return e};
        const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
        fetch('openapi.json').then(r=>r.json()).then(api=>{
          document.getElementById('desc').textContent=api.info.description+' Version '+api.info.version+'.';
          const ops=document.getElementById('ops');
          for(const [path,item] of Object.entries(api.paths))for(const [m,op] of Object.entries(item)){
            let h='<span class="m '+m+'">'+m+'</span> <code>'+esc(path)+'</code> '+esc(op.summary||'');
            h+='<table>'+Object.entries(op.responses).map(([c,r])=>'<tr><td>'+c+'</td><td>'+esc(r.description)+'</td></tr>').join('')+'</table>';
            ops.appendChild(el('div',h)).className='op'}
          const s=document.getElementById('schemas');
          for(const [name,schema] of Object.entries(api.components.schemas)){
            s.appendChild(el('h3',esc(name)));s.appendChild(el('pre',esc(JSON.stringify(schema,null,2))))}
        }).catch(e=>{document.body.appendChild(el('p','Could not load openapi.json: '+esc(e)))});
        </script></body></html>
        """
}
